package dev.driftwatch.monitor.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts the service as a separate JVM from the test classpath, so a test can kill or await it. */
public final class ChildService {

    private ChildService() {}

    /**
     * Starts {@code DriftwatchApplication} with the given arguments.
     *
     * @param log file receiving the process's output
     * @param args Spring Boot command-line arguments
     * @return the process
     * @throws IOException when the JVM cannot be started
     */
    public static Process start(Path log, String... args) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp", classpath,
                "dev.driftwatch.monitor.DriftwatchApplication",
                "--spring.main.banner-mode=off"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
