package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vector path is taken only where it can run: a user's JVM without {@code --add-modules jdk.incubator.vector}
 * (the default) loads nothing of the incubating API, says how to turn it on, and leaves the comparison to PyTorch;
 * the property turns it off; with the module it compares (an unchanged row exactly 0). Each in a JVM of its own.
 */
class JvmVectorsTest {

    @Test
    void aJvmWithoutTheModuleFallsBackAndSaysWhichOptionWouldHelp() throws Exception {
        String out = run(List.of());
        assertThat(out).contains("available=false").contains(JvmVectors.OPTION).contains("refused: ")
                .doesNotContain("Exception").doesNotContain("Error");
    }

    @Test
    void thePropertyTurnsItOffWhereTheModuleIsThere() throws Exception {
        String out = run(List.of("--add-modules", "jdk.incubator.vector", "-D" + JvmVectors.PROPERTY + "=false"));
        assertThat(out).contains("available=false").contains("refused: ");
    }

    @Test
    void withTheModuleARowIsCompared() throws Exception {
        String out = run(List.of("--add-modules", "jdk.incubator.vector"));
        assertThat(out).contains("available=true").contains("vector API").contains("compared: ").contains(" kl=0.0");
    }

    /** Where the user does not write the java command (an IDE, Gradle, Maven's plugins): the environment. */
    @Test
    void theEnvironmentVariableTheDocsNameTurnsItOnToo() throws Exception {
        String out = run(List.of(), Map.of("JDK_JAVA_OPTIONS", "--add-modules=jdk.incubator.vector"));
        assertThat(out).contains("available=true").contains("compared: ").contains(" kl=0.0");
    }

    private static String run(List<String> options) throws Exception {
        return run(options, Map.of());
    }

    private static String run(List<String> options, Map<String, String> environment) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), VectorModuleMain.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().putAll(environment);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
