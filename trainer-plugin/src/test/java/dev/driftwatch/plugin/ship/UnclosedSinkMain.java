package dev.driftwatch.plugin.ship;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A second process for {@link HttpDriftSinkTest}: a job that hands records to a sink and exits without closing it,
 * while the service it sends to takes the connection and never answers.
 */
public final class UnclosedSinkMain {

    private UnclosedSinkMain() {}

    /**
     * Hands over the records, waits for a line on standard input (the parent's word that the request is held), and
     * returns (the JVM exits: the sender is a daemon).
     *
     * @param args the spool directory, the service's URL, how many checkpoints
     * @throws Exception never, in practice
     */
    public static void main(String[] args) throws Exception {
        HttpDriftSink sink = HttpDriftSink.builder().setUrl(args[1]).setProject("demo").setToken("dw_secret")
                .optSpoolDir(Path.of(args[0])).optScheduleDelay(Duration.ofMillis(20))
                .optRequestTimeout(Duration.ofSeconds(60)).build();
        sink.runStarted(Records.run("unclosed"));
        for (long step = 0; step < Integer.parseInt(args[2]); step++) {
            sink.checkpoint(Records.checkpoint("unclosed", step));
        }
        // the parent says when its silent service holds the request (a fixed sleep here was too short on a busy
        // machine: the JVM exited before the request went out, and the test failed)
        System.out.println("handed over");
        System.out.flush();
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
                .readLine();
        System.out.println("exiting with the sink open");
    }
}
