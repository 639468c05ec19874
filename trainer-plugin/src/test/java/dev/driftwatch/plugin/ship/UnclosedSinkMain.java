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
     * Hands over the records, waits until the sender is sending, and returns (the JVM exits: the sender is a daemon).
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
        Thread.sleep(500); // the run's record is on its way, and waits for an answer
        System.out.println("exiting with the sink open");
    }
}
