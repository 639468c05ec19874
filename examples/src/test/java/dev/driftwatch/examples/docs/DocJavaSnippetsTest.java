package dev.driftwatch.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Every {@code java} block of README.md and docs/ compiles against this module's test classpath
 * (the plugin, DJL and its PyTorch engine, as a user's training job has them), with
 * {@code javax.tools}, all in one compilation; the complete ones (a {@code main} method, or a
 * fragment marked {@code run}) run in a child JVM in a scratch directory. See {@link JavaSnippet}
 * and docs/writing-docs.md for the conventions.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DocJavaSnippetsTest {

    private static final AtomicInteger COMPILED = new AtomicInteger();
    private static final AtomicInteger RAN = new AtomicInteger();

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompilesAndTheCompleteOnesRun() throws IOException {
        List<JavaSnippet> snippets = DocPages.all().stream().flatMap(p -> p.fences("java").stream())
                .map(JavaSnippet::of).toList();
        Path out = Files.createTempDirectory("driftwatch-doc-snippets");
        Map<JavaSnippet, List<String>> errors = compile(snippets, out);
        return snippets.stream().map(s -> DynamicTest.dynamicTest(
                s.fence().where() + (s.runnable() ? " compiles and runs" : " compiles"), () -> {
                    assertThat(errors.get(s)).as("%s does not compile", s.fence().where()).isEmpty();
                    COMPILED.incrementAndGet();
                    if (s.runnable()) {
                        run(s, out);
                        RAN.incrementAndGet();
                    }
                }));
    }

    private static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /**
     * Compiles every snippet in one task; when that reports errors, compiles each on its own so that
     * every snippet's own errors are known (javac stops before type checking when any unit has a
     * syntax error).
     */
    private static Map<JavaSnippet, List<String>> compile(List<JavaSnippet> snippets, Path out) throws IOException {
        Map<JavaSnippet, List<String>> errors = new HashMap<>();
        snippets.forEach(s -> errors.put(s, new ArrayList<>()));
        if (snippets.isEmpty() || compile(snippets, out, errors)) {
            return errors;
        }
        snippets.forEach(s -> errors.get(s).clear());
        for (JavaSnippet s : snippets) {
            compile(List.of(s), out, errors);
        }
        return errors;
    }

    private static boolean compile(List<JavaSnippet> snippets, Path out, Map<JavaSnippet, List<String>> errors)
            throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<URI, JavaSnippet> bySource = new HashMap<>();
        List<JavaFileObject> units = new ArrayList<>();
        for (JavaSnippet s : snippets) {
            String source = s.runnable() && s.source().contains(DocService.DOC_URL)
                    ? s.source().replace(DocService.DOC_URL, DocService.url()) : s.source();
            URI uri = URI.create("string:///" + s.packageName().replace('.', '/') + "/" + s.className() + ".java");
            units.add(new SimpleJavaFileObject(uri, JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            });
            bySource.put(uri, s);
        }
        boolean ok;
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            ok = javac.getTask(new StringWriter(), files, diagnostics, List.of("-classpath", classpath(), "-d", out.toString(),
                    "--release", "17", "-proc:none", "-Xlint:none", "-nowarn"), null, units).call();
        }
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            JavaSnippet s = d.getSource() == null ? null : bySource.get(d.getSource().toUri());
            String message = d.getMessage(Locale.ROOT);
            if (s == null) {
                snippets.forEach(x -> errors.get(x).add(message));
            } else {
                int line = s.docLine(d.getLineNumber());
                errors.get(s).add(s.fence().page() + (line > 0 ? ":" + line : " (hidden code)") + ": " + message);
            }
        }
        return ok;
    }

    private static void run(JavaSnippet s, Path classes) throws IOException, InterruptedException {
        if (s.source().contains(DocService.DOC_URL)) {
            DocService.get();
        }
        Path work = Files.createTempDirectory("driftwatch-doc-run");
        DocShell.linkRepository(DocPages.root(), work);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-Xmx2g",
                "-cp", classes + java.io.File.pathSeparator + classpath(), s.packageName() + "." + s.className())
                .directory(work.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(s.fence().where() + " did not finish in 5 minutes: " + output);
        }
        assertThat(p.exitValue()).as("%s ran and exited with %d:%n%s", s.fence().where(), p.exitValue(), output).isZero();
    }

    @AfterAll
    static void counts() {
        System.out.printf("doc Java snippets: %d compiled, %d of them run%n", COMPILED.get(), RAN.get());
    }
}
