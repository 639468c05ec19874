package dev.driftwatch.monitor.edge;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.WireText;
import java.time.Instant;

/**
 * What PostgreSQL and the service's arithmetic can hold, checked at the edge so a value outside
 * is a 400 naming the field instead of a 500 from the database (or an overflow in a query).
 */
public final class PgLimits {

    /** 2^53 - 1: the largest integer a JSON reader such as the browser's (JavaScript numbers) holds exactly. */
    public static final long MAX_EXACT_JSON_INTEGER = (1L << 53) - 1;

    /**
     * Largest step (and step bound of a query): {@link #MAX_EXACT_JSON_INTEGER}, so the browser's charts
     * represent every step exactly; arithmetic on steps ({@code (hi - lo) * i} of a sparkline sample) stays
     * far inside a bigint.
     */
    public static final long MAX_STEP = CheckpointReport.MAX_STEP;

    /** Largest count stored in an {@code integer} column (example counts, probe counts, epochs). */
    public static final long MAX_INT_COLUMN = Integer.MAX_VALUE;

    /** Earliest storable time: 0001-01-01T00:00:00Z (year 0 and BC dates do not survive the driver). */
    public static final Instant MIN_TIME = Instant.parse("0001-01-01T00:00:00Z");

    /** Latest storable time: 9999-12-31T23:59:59.999999Z (the driver cannot write five-digit years). */
    public static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999Z");

    private PgLimits() {}

    /**
     * Why a text cannot be stored as given, or null when it can. PostgreSQL rejects U+0000 in
     * {@code text} and {@code jsonb}; a lone surrogate is written as {@code ?} by the driver (so two
     * different names collide); other control characters (C0 except tab, line feed and carriage return,
     * DEL, C1 such as U+0085, a line break to some log readers) corrupt logs, CSV exports and pages.
     *
     * @param s the text
     * @return the reason, e.g. {@code must not contain the control character U+0000}, or null
     */
    public static String textProblem(String s) {
        return WireText.problem(s);
    }

    /**
     * Whether a time can be stored in a {@code timestamptz} column and read back unchanged.
     *
     * @param t the time
     * @return true between {@link #MIN_TIME} and {@link #MAX_TIME}
     */
    public static boolean storableTime(Instant t) {
        return !t.isBefore(MIN_TIME) && !t.isAfter(MAX_TIME);
    }

    /** The message of a time outside {@link #storableTime}. */
    public static final String TIME_RANGE = "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z";
}
