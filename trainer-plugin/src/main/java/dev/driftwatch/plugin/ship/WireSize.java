package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.contract.WireRecord;
import java.util.Map;

/**
 * A record's size as JSON, estimated on the training thread from what it holds (its counts and the lengths of
 * its texts), without writing it: what bounds the send queue in bytes. Each part is counted at about what
 * {@link dev.driftwatch.contract.WireJson} writes for it with long numbers, so the estimate is at least the
 * usual size and at most a few times it ({@code WireSizeTest} compares it with the written line).
 */
final class WireSize {

    /** A metric summary: its name and eleven numbers. */
    private static final int METRIC = 400;
    /** A tensor's drift: five numbers, two flags, the field names (its name is counted apart). */
    private static final int TENSOR = 200;
    /** One number in a list, with its separator. */
    private static final int NUMBER = 25;
    /** A token's choice at a position: the token (counted apart) and two probabilities. */
    private static final int CHOICE = 80;

    private WireSize() {}

    /**
     * Estimates the JSON characters of a record.
     *
     * @param record the record
     * @return the estimate, at least 256
     */
    static long of(WireRecord record) {
        if (record instanceof CheckpointReport c) {
            return checkpoint(c);
        }
        if (record instanceof RunInfo r) {
            long n = 1024 + length(r.name()) + length(r.method());
            for (String tag : r.tags()) {
                n += 4 + length(tag);
            }
            return n + texts(r.config());
        }
        return 256; // a run's end: a key, a status and a time
    }

    private static long checkpoint(CheckpointReport c) {
        long n = 512 + length(c.runKey()) + length(c.invalidReason()) + length(c.approximation())
                + (long) c.metrics().size() * METRIC + (long) c.taskMetrics().size() * (NUMBER + 80);
        for (SliceSummary s : c.slices()) {
            n += 64 + length(s.slice()) + (long) s.metrics().size() * METRIC;
        }
        for (TopExample e : c.topExamples()) {
            n += 128 + length(e.probeId()) + length(e.slice()) + length(e.metric()) + tokens(e.tokens());
        }
        if (c.parameters() != null) {
            n += 256;
            for (TensorDrift t : c.parameters().tensors()) {
                n += TENSOR + length(t.name());
            }
        }
        return n;
    }

    private static long tokens(TokenDrift t) {
        if (t == null) {
            return 0;
        }
        long n = 64 + (long) t.kl().size() * NUMBER;
        for (String token : t.tokens()) {
            n += 4 + length(token);
        }
        for (TokenDrift.Position p : t.worst()) {
            n += 64 + (long) (p.base().size() + p.fineTuned().size()) * CHOICE;
            for (TokenDrift.Choice choice : p.base()) {
                n += length(choice.token());
            }
            for (TokenDrift.Choice choice : p.fineTuned()) {
                n += length(choice.token());
            }
        }
        return n;
    }

    private static long texts(Map<String, String> map) {
        long n = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            n += 8 + length(e.getKey()) + length(e.getValue());
        }
        return n;
    }

    /**
     * A text's length as JSON: its characters and quotes (escapes, rare in these texts, are not counted, and a
     * character beyond ASCII counts one, though it is 2-4 bytes in UTF-8: an exact count would read every
     * character of every tensor name on the training thread).
     */
    private static long length(String s) {
        return s == null ? 4 : s.length() + 2L;
    }
}
