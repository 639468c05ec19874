package dev.driftwatch.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.examples.docs.MarkdownPage.Fence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every HTTP example and every command of the docs against one real monitor service
 * ({@link DocService}), page by page in document order (see docs/writing-docs.md for the block
 * conventions): {@code http} blocks are sent and their answers compared, {@code console} blocks are
 * run in bash and their outputs compared, blocks with {@code file=PATH} are written where the
 * commands read them. A doc example that stops working fails here.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DocExamplesTest {

    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static final AtomicInteger ANSWERS = new AtomicInteger();
    private static final AtomicInteger CONSOLE_BLOCKS = new AtomicInteger();
    private static final AtomicInteger COMMANDS = new AtomicInteger();
    private static final AtomicInteger OUTPUTS = new AtomicInteger();
    private static final AtomicInteger FILES = new AtomicInteger();

    @TestFactory
    Stream<DynamicNode> everyExampleWorks() throws IOException {
        Path scratch = Files.createTempDirectory("driftwatch-doc-shell");
        Path work = scratch.resolve("work");
        Path home = scratch.resolve("home");
        Files.createDirectories(home);
        DocShell.linkRepository(DocPages.root(), work);
        JsonTemplate.Ids ids = new JsonTemplate.Ids();
        List<DynamicNode> pages = new ArrayList<>();
        for (MarkdownPage page : DocPages.all()) {
            List<DynamicTest> tests = examplesOf(page, work, home, ids);
            if (!tests.isEmpty()) {
                pages.add(DynamicContainer.dynamicContainer(page.name(), page.file().toUri(), tests.stream()));
            }
        }
        return pages.stream();
    }

    private static List<DynamicTest> examplesOf(MarkdownPage page, Path work, Path home, JsonTemplate.Ids ids) {
        List<DynamicTest> tests = new ArrayList<>();
        List<Fence> fences = page.fences();
        DocShell[] shell = new DocShell[1];
        for (int i = 0; i < fences.size(); i++) {
            Fence f = fences.get(i);
            if (f.attribute("file") != null) {
                String path = f.attribute("file");
                tests.add(DynamicTest.dynamicTest(f.where() + " file " + path, () -> {
                    shell(shell, work, home).writeFile(path, f.content());
                    FILES.incrementAndGet();
                }));
            } else if (f.language().equals("http") && !HttpExample.isAnswer(f.content())) {
                Fence answer = i + 1 < fences.size() && fences.get(i + 1).language().equals("http")
                        && HttpExample.isAnswer(fences.get(i + 1).content()) ? fences.get(++i) : null;
                tests.add(DynamicTest.dynamicTest(f.where() + " " + firstLine(f), () -> {
                    HttpExample request = HttpExample.parseRequest(f.content());
                    HttpExample.Answer expected = answer == null ? null : HttpExample.parseAnswer(answer.content());
                    HttpExample.Response real = request.send(DocService.url(), ids);
                    REQUESTS.incrementAndGet();
                    if (expected != null) {
                        ANSWERS.incrementAndGet();
                    }
                    assertThat(HttpExample.differences(expected, real, ids))
                            .as("%s: %s %s%s", f.where(), request.method(), request.target(),
                                    answer == null ? "" : " (answer shown at " + answer.where() + ")")
                            .isEmpty();
                }));
            } else if (f.language().equals("http")) {
                tests.add(DynamicTest.dynamicTest(f.where() + " answer without a request", () -> {
                    throw new AssertionError(f.where() + ": an http answer block must follow an http request block");
                }));
            } else if (f.language().equals("console")) {
                tests.add(DynamicTest.dynamicTest(f.where() + " " + firstLine(f), () -> {
                    ConsoleExample example = ConsoleExample.parse(f.content());
                    DocService.get();
                    List<DocShell.Result> results = shell(shell, work, home).run(example.commands());
                    CONSOLE_BLOCKS.incrementAndGet();
                    List<String> problems = new ArrayList<>();
                    for (int c = 0; c < results.size(); c++) {
                        ConsoleExample.Command cmd = example.commands().get(c);
                        DocShell.Result r = results.get(c);
                        COMMANDS.incrementAndGet();
                        boolean statusShown = c + 1 < results.size() && example.commands().get(c + 1).showsStatus();
                        if (r.status() != 0 && !statusShown) {
                            problems.add("$ " + cmd.line() + "\n  exited with status " + r.status() + ":\n" + r.output());
                        }
                        if (!cmd.output().isEmpty()) {
                            OUTPUTS.incrementAndGet();
                            List<String> diff = outputDifferences(cmd.output(), r.output());
                            if (!diff.isEmpty()) {
                                problems.add("$ " + cmd.line() + "\n  printed:\n" + r.output() + "\n  differences: " + diff);
                            }
                        }
                    }
                    assertThat(problems).as(f.where()).isEmpty();
                }));
            }
        }
        return tests;
    }

    private static DocShell shell(DocShell[] holder, Path work, Path home) {
        if (holder[0] == null) {
            holder[0] = new DocShell(work, home, DocService.url());
        }
        return holder[0];
    }

    /**
     * Output shown as JSON is a template of the real JSON; any other output must be the same lines,
     * except that a shown line ending in {@code ...} only has to start the real line.
     */
    private static List<String> outputDifferences(String shown, String real) {
        if (shown.startsWith("{") || shown.startsWith("[")) {
            try {
                return JsonTemplate.differences(JsonTemplate.parse(shown), JsonTemplate.parse(real), new JsonTemplate.Ids());
            } catch (IllegalArgumentException e) {
                return List.of(e.getMessage());
            }
        }
        List<String> a = shown.lines().map(String::stripTrailing).toList();
        List<String> b = real.lines().map(String::stripTrailing).toList();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "(nothing)";
            String y = i < b.size() ? b.get(i) : "(nothing)";
            boolean matches = x.endsWith("...") ? y.startsWith(x.substring(0, x.length() - 3)) : x.equals(y);
            if (!matches) {
                out.add("line " + (i + 1) + ": shown \"" + x + "\", printed \"" + y + "\"");
            }
        }
        return out;
    }

    private static String firstLine(Fence f) {
        String s = f.content().strip();
        int nl = s.indexOf('\n');
        s = nl < 0 ? s : s.substring(0, nl);
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @AfterAll
    static void counts() {
        System.out.printf("doc examples: %d HTTP requests sent (%d answers compared), %d console blocks with %d commands run"
                + " (%d outputs compared), %d files written%n",
                REQUESTS.get(), ANSWERS.get(), CONSOLE_BLOCKS.get(), COMMANDS.get(), OUTPUTS.get(), FILES.get());
    }
}
