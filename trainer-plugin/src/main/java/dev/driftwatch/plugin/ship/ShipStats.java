package dev.driftwatch.plugin.ship;

/**
 * A snapshot of the shipping client's counters. Each counts records (a run, a checkpoint or a run
 * end), except {@code retried}, which counts repeated HTTP requests.
 *
 * @param sent records the service accepted when they were first sent
 * @param retried requests sent again after a transient failure
 * @param spooled records written to the local spool (service unreachable, queue full, or a run the service
 *     refused as a whole, e.g. for its token: those stay in the spool for {@code driftwatch-upload})
 * @param replayed records from the spool the service accepted later
 * @param rejected records the service refused for their content (400, 413, 422): set aside in
 *     {@code <runKey>.rejected.jsonl} in the spool directory, not sent again
 * @param dropped records lost because the spool could not be written (e.g. disk full); normally 0
 */
public record ShipStats(long sent, long retried, long spooled, long replayed, long rejected, long dropped) {

    /**
     * One line for the log.
     *
     * @return e.g. {@code sent=10 retried=2 spooled=3 replayed=3 rejected=0 dropped=0}
     */
    @Override
    public String toString() {
        return "sent=" + sent + " retried=" + retried + " spooled=" + spooled + " replayed=" + replayed
                + " rejected=" + rejected + " dropped=" + dropped;
    }
}
