package dev.driftwatch.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every relative link and image in README.md and docs/ points at a file that exists, and every
 * {@code #anchor} at a heading (or {@code <a id>}) of the page it names, by GitHub's anchor rules.
 * Absolute links ({@code https:}, {@code mailto:}) are not followed: the build is offline.
 */
class DocLinksTest {

    @Test
    void everyRelativeLinkAndAnchorResolves() {
        List<MarkdownPage> pages = DocPages.all();
        Map<Path, MarkdownPage> byFile = pages.stream()
                .collect(Collectors.toMap(p -> p.file().toAbsolutePath().normalize(), Function.identity()));
        List<String> broken = new ArrayList<>();
        int checked = 0;
        int anchors = 0;
        int external = 0;
        for (MarkdownPage page : pages) {
            for (MarkdownPage.Link link : page.links()) {
                String target = link.target();
                if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    external++;
                    continue;
                }
                checked++;
                int hash = target.indexOf('#');
                String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path file = path.isEmpty() ? page.file() : page.file().getParent().resolve(path);
                file = file.toAbsolutePath().normalize();
                if (!Files.exists(file)) {
                    broken.add(link.page() + ":" + link.line() + ": " + target + " (no such file)");
                    continue;
                }
                if (anchor != null) {
                    anchors++;
                    MarkdownPage linked = byFile.get(file);
                    if (linked == null) {
                        broken.add(link.page() + ":" + link.line() + ": " + target + " (an anchor into a file that is not a doc page)");
                    } else if (!linked.anchors().contains(anchor)) {
                        broken.add(link.page() + ":" + link.line() + ": " + target + " (no heading with anchor #" + anchor
                                + " in " + linked.name() + "; it has " + linked.anchors() + ")");
                    }
                }
            }
        }
        System.out.printf("doc links: %d relative links checked (%d with an anchor) in %d pages; %d absolute links not followed%n",
                checked, anchors, pages.size(), external);
        assertThat(broken).as("broken links").isEmpty();
        assertThat(checked).as("relative links found").isGreaterThan(20);
    }
}
