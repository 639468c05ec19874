package dev.driftwatch.plugin.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequence-model example of docs/listener.md, compiled and run as it is written there: the docs
 * cannot drift from the code.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SequenceDocExampleTest {

    private static final Path DOC = Path.of("..", "docs", "listener.md");

    @Test
    void theSequenceModelExampleCompilesAndRuns(@TempDir Path work) throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int section = doc.indexOf("## Sequence models");
        assertThat(section).as("the sequence-model section of " + DOC).isNotNegative();
        Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertThat(block.find(section)).isTrue();
        String source = block.group(1);
        Path file = work.resolve("SequenceModelExample.java");
        Files.writeString(file, source);

        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, "-d", work.toString(), "-cp", classPath, file.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {work.toUri().toURL()},
                getClass().getClassLoader())) {
            Method main = loader.loadClass("SequenceModelExample").getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        // 2 epochs of 16 batches; the report file has the run, every checkpoint and the end
        Matcher result = Pattern.compile("step (\\d+): KL\\(base\\|\\|ft\\) ([0-9.]+) nats/token \\[([0-9.]+), ([0-9.]+)\\];"
                + " report lines: (\\d+)").matcher(out);
        assertThat(result.find()).as(out).isTrue();
        assertThat(Long.parseLong(result.group(1))).isEqualTo(32);
        assertThat(Double.parseDouble(result.group(2))).isPositive();
        assertThat(Integer.parseInt(result.group(5))).isGreaterThanOrEqualTo(5);
    }
}
