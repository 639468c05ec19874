package dev.driftwatch.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The documentation the doc tests check: {@code README.md} and every Markdown page under
 * {@code docs/}, read once per test JVM. Order: {@value #FIRST} first (it creates the example run
 * that other pages query), then the others by path.
 */
final class DocPages {

    /** The page whose examples run first: it creates the example run the other pages read. */
    static final String FIRST = "docs/api/ingestion.md";

    private static List<MarkdownPage> pages;

    private DocPages() {}

    /**
     * Returns the repository root: the nearest directory up from the working directory that holds
     * {@code docs/} and {@code README.md}.
     *
     * @return the root
     */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docs")) && Files.isRegularFile(p.resolve("README.md"))
                    && Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (docs/ and README.md) above " + Path.of("").toAbsolutePath());
    }

    /**
     * Returns every page, in run order.
     *
     * @return the pages
     */
    static synchronized List<MarkdownPage> all() {
        if (pages == null) {
            Path root = root();
            List<Path> files = new ArrayList<>();
            files.add(root.resolve("README.md"));
            try (Stream<Path> s = Files.walk(root.resolve("docs"))) {
                s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pages = files.stream().map(f -> MarkdownPage.read(root, f))
                    .sorted(Comparator.comparing((MarkdownPage p) -> !p.name().equals(FIRST)))
                    .toList();
        }
        return pages;
    }
}
