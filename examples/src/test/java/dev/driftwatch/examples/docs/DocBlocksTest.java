package dev.driftwatch.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.examples.docs.MarkdownPage.Fence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every fenced block of README.md and docs/ says what it is (its language), so that the doc tests
 * know what to do with it (docs/writing-docs.md): {@code http}, {@code console}, {@code java} and
 * blocks with {@code file=PATH} are executed by {@link DocExamplesTest} and
 * {@link DocJavaSnippetsTest}; {@code json} must parse, {@code xml} (e.g. a Maven snippet) must be
 * well-formed; {@code sh} (commands of other tools: builds,
 * Docker, Helm, kubectl) must be valid bash; {@code text}, {@code mermaid}, {@code yaml},
 * {@code sql} and {@code python} are shown as they are. Nothing a reader pastes holds a
 * {@code …} placeholder.
 */
class DocBlocksTest {

    /** Languages of blocks that are executed. */
    static final Set<String> EXECUTED = Set.of("http", "console", "java");
    /** Languages of blocks that are only checked or shown. */
    static final Set<String> SHOWN = Set.of("json", "jsonl", "sh", "text", "mermaid", "yaml", "sql", "python", "xml");

    @Test
    void everyBlockSaysWhatItIsAndParses() throws Exception {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (MarkdownPage page : DocPages.all()) {
            for (Fence f : page.fences()) {
                counts.merge(f.language().isEmpty() ? "(none)" : f.language(), 1, Integer::sum);
                if (!EXECUTED.contains(f.language()) && !SHOWN.contains(f.language())) {
                    problems.add(f.where() + ": a block needs a language of " + EXECUTED + " or " + SHOWN
                            + " (see docs/writing-docs.md), not '" + f.language() + "'");
                    continue;
                }
                if ((EXECUTED.contains(f.language()) || f.language().startsWith("json") || f.attribute("file") != null)
                        && f.content().contains("…")) {
                    problems.add(f.where() + ": a placeholder '…' in a block a reader pastes");
                }
                if (f.language().equals("json")) {
                    try {
                        JsonTemplate.parse(f.content());
                    } catch (IllegalArgumentException e) {
                        problems.add(f.where() + ": " + e.getMessage());
                    }
                }
                if (f.language().equals("jsonl")) {
                    for (String line : f.content().split("\n")) {
                        if (!line.isBlank() && !f.has("invalid-lines")) {
                            try {
                                JsonTemplate.parse(line);
                            } catch (IllegalArgumentException e) {
                                problems.add(f.where() + ": a line that is not JSON (mark the block invalid-lines"
                                        + " when that is the point): " + line);
                            }
                        }
                    }
                }
                if (f.language().equals("xml")) {
                    String error = xmlError(f.content());
                    if (error != null) {
                        problems.add(f.where() + ": not well-formed XML: " + error);
                    }
                }
                if (f.language().equals("sh")) {
                    String error = bashSyntaxError(f.content());
                    if (error != null) {
                        problems.add(f.where() + ": not valid bash: " + error);
                    }
                }
            }
        }
        System.out.println("doc blocks by language: " + counts);
        assertThat(problems).isEmpty();
    }

    /** Parses the block as the content of one element (a snippet may have several top-level elements). */
    private static String xmlError(String xml) {
        try {
            javax.xml.parsers.DocumentBuilderFactory f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.newDocumentBuilder().parse(new org.xml.sax.InputSource(new java.io.StringReader(
                    "<snippet>" + xml.replaceFirst("^\\s*<\\?xml[^>]*\\?>", "") + "</snippet>")));
            return null;
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    private static String bashSyntaxError(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-n").redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return p.exitValue() == 0 ? null : out.strip();
    }
}
