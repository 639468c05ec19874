package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.WireJson;
import java.nio.file.Path;
import java.util.List;

/**
 * A second process for {@link SpoolTest}: appends checkpoints of one run to a spool, one line at a time,
 * as a job whose service is down does.
 */
public final class SpoolWriterMain {

    private SpoolWriterMain() {}

    /**
     * Appends the checkpoints.
     *
     * @param args the spool directory, the run key, the first step, how many
     * @throws Exception when the spool cannot be written
     */
    public static void main(String[] args) throws Exception {
        Spool spool = new Spool(Path.of(args[0]));
        long first = Long.parseLong(args[2]);
        int count = Integer.parseInt(args[3]);
        for (long step = first; step < first + count; step++) {
            spool.append(args[1], null, List.of(WireJson.toLine(Records.checkpoint(args[1], step))));
        }
    }
}
