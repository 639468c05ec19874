package dev.driftwatch.monitor.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the service as a separate JVM from the test classpath, so a test can kill or await it.
 * {@link #startOnAnyPort} lets the server bind any free port and reads back the one it bound
 * ({@code driftwatch.port-file}), the way examples' {@code ServiceProcess} starts the exec jar: no
 * port is picked before the server binds it.
 */
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

    /**
     * A service started by {@link #startOnAnyPort}.
     *
     * @param process its JVM
     * @param port the HTTP port it bound
     */
    public record Started(Process process, int port) {

        /** @return {@code http://localhost:<port>} */
        public String url() {
            return "http://localhost:" + port;
        }
    }

    /**
     * Starts the service on any free port ({@code --server.port=0}) and waits until it has written the
     * port it bound into {@code portFile}.
     *
     * @param log file receiving the process's output
     * @param portFile where the service writes its port (replaced)
     * @param timeout the longest wait for the server to listen
     * @param args more Spring Boot command-line arguments
     * @return the process and its port
     * @throws IOException when the JVM cannot be started
     * @throws IllegalStateException when it exits first or does not listen in time (the process is then killed)
     */
    public static Started startOnAnyPort(Path log, Path portFile, Duration timeout, String... args)
            throws IOException {
        Files.deleteIfExists(portFile);
        List<String> all = new ArrayList<>(List.of("--server.port=0", "--driftwatch.port-file=" + portFile));
        all.addAll(List.of(args));
        Process process = start(log, all.toArray(String[]::new));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                String text = Files.readString(portFile, StandardCharsets.US_ASCII).trim();
                if (!text.isEmpty()) {
                    return new Started(process, Integer.parseInt(text));
                }
            } catch (IOException | NumberFormatException e) {
                // not written yet, or being written
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the service did not write its port to " + portFile + " (exited: "
                + !process.isAlive() + "); see " + log);
    }
}
