package dev.driftwatch.monitor.query;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reads the headline trajectory ({@code kl_mean}) from the coarse level, table
 * {@code checkpoint_coarse} (migration V3, docs/storage.md): per run, aligned blocks of {@code 2^k}
 * steps ({@value #MIN_LEVEL} &lt;= k &lt;= {@value #MAX_LEVEL}) with their checkpoint count and first,
 * last, minimum and maximum points, kept exact on every insert by a database trigger.
 *
 * <p>A step range is covered by the largest aligned blocks that fit in it, and the few steps at its
 * ends that no block fits (fewer than {@code 2^}{@value #MIN_LEVEL} per end) are read from
 * {@code checkpoint} itself. Fed to the {@link Downsampler} in step order, blocks give the same points
 * as the checkpoints they summarise, because the downsampler's buckets are aligned round widths that
 * a block never straddles. A 10M-checkpoint trajectory reads about as many rows as a 100k one.
 */
@Component
class CoarseLevel {

    /** The finest level: blocks of 16 steps. */
    static final int MIN_LEVEL = 4;
    /** The coarsest level: blocks of 2^40 steps. */
    static final int MAX_LEVEL = 40;

    private static final String BLOCKS = """
            SELECT c.first_step, c.first_v, c.min_step, c.min_v, c.max_step, c.max_v, c.last_step, c.last_v, c.n
            FROM unnest(?::smallint[], ?::bigint[], ?::bigint[]) WITH ORDINALITY r(level, lo, hi, ord)
            JOIN checkpoint_coarse c ON c.run_id = ? AND c.level = r.level AND c.bucket BETWEEN r.lo AND r.hi
            ORDER BY r.ord, c.bucket
            """;
    private static final String RAW = """
            SELECT c.step, c.kl_mean
            FROM unnest(?::bigint[], ?::bigint[]) WITH ORDINALITY r(lo, hi, ord)
            JOIN checkpoint c ON c.run_id = ? AND c.step BETWEEN r.lo AND r.hi
            ORDER BY c.step
            """;

    private final JdbcTemplate jdbc;

    CoarseLevel(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A piece of a step range: an inclusive range of blocks of one level, or (level 0) an inclusive
     * range of steps read from the checkpoints themselves.
     *
     * @param level the block level, or 0 for raw steps
     * @param from the first block (or step)
     * @param to the last block (or step)
     */
    record Piece(int level, long from, long to) {}

    /**
     * Counts a run's checkpoints in a step range (with or without a headline value).
     *
     * @param runId the run
     * @param first the first step
     * @param last the last step
     * @return the count
     */
    long count(long runId, long first, long last) {
        List<Piece> pieces = new ArrayList<>();
        cover(first, last, MAX_LEVEL, pieces);
        long[] count = new long[1];
        read(runId, pieces, (rs, block) -> count[0] += block ? rs.getInt(9) : 1);
        return count[0];
    }

    /**
     * Feeds a run's headline values in {@code [first, last]} to a downsampler, bucket by bucket, as
     * blocks where they fit and single checkpoints at the ends.
     *
     * @param runId the run
     * @param first the first step
     * @param last the last step
     * @param sampler a downsampler over exactly this range that does not pass the series through
     * @return the number of checkpoints in the range (with or without a headline value)
     */
    long feed(long runId, long first, long last, Downsampler sampler) {
        long w = sampler.width();
        // each bucket is covered on its own, so no block straddles two; capping the level at the largest
        // block that divides the width makes the inner buckets one run of same-level blocks (one range)
        int cap = Math.min(MAX_LEVEL, Long.numberOfTrailingZeros(w));
        List<Piece> pieces = new ArrayList<>();
        for (long b = Math.floorDiv(first, w); ; b++) {
            long start = Math.max(first, b * w);
            long end = last - b * w < w ? last : b * w + w - 1;
            cover(start, end, cap, pieces);
            if (end == last) {
                break;
            }
        }
        long[] count = new long[1];
        read(runId, pieces, (rs, block) -> {
            count[0] += block ? rs.getInt(9) : 1;
            if (block) {
                long firstStep = rs.getLong(1);
                if (!rs.wasNull()) {
                    sampler.addBlock(firstStep, rs.getDouble(2), rs.getLong(3), rs.getDouble(4), rs.getLong(5),
                            rs.getDouble(6), rs.getLong(7), rs.getDouble(8));
                }
            } else {
                double v = rs.getDouble(2);
                if (!rs.wasNull()) {
                    sampler.add(rs.getLong(1), v);
                }
            }
        });
        return count[0];
    }

    /**
     * Covers {@code [from, to]} with the largest aligned blocks that fit (levels up to {@code cap}),
     * and raw steps where none does, appending in step order; adjacent pieces of one kind merge.
     *
     * @param from the first step
     * @param to the last step, at least {@code from}
     * @param cap the largest level to use
     * @param out where pieces are appended
     */
    static void cover(long from, long to, int cap, List<Piece> out) {
        long p = from;
        while (true) {
            // the largest level whose block starts at p and ends by `to`
            long room = to - p; // the block may span room + 1 steps
            int fits = room == Long.MAX_VALUE ? 62 : 63 - Long.numberOfLeadingZeros(room + 1);
            int k = Math.min(Math.min(cap, fits), Long.numberOfTrailingZeros(p));
            long end;
            if (k >= MIN_LEVEL) {
                end = p + (1L << k) - 1;
                append(out, new Piece(k, p >> k, p >> k));
            } else {
                long alignedEnd = p | ((1L << MIN_LEVEL) - 1);
                end = Long.numberOfTrailingZeros(p) >= MIN_LEVEL || alignedEnd > to ? to : alignedEnd;
                append(out, new Piece(0, p, end));
            }
            if (end >= to) {
                return;
            }
            p = end + 1;
        }
    }

    private static void append(List<Piece> out, Piece next) {
        if (!out.isEmpty()) {
            Piece last = out.get(out.size() - 1);
            if (last.level() == next.level() && last.to() + 1 == next.from()) {
                out.set(out.size() - 1, new Piece(last.level(), last.from(), next.to()));
                return;
            }
        }
        out.add(next);
    }

    /** A row of either query: a block (columns as in {@link #BLOCKS}) or a checkpoint (step, value). */
    @FunctionalInterface
    private interface Row {
        void accept(java.sql.ResultSet rs, boolean block) throws SQLException;
    }

    /** Reads the pieces' blocks and raw checkpoints and hands them over merged in step order. */
    private void read(long runId, List<Piece> pieces, Row row) {
        List<Short> levels = new ArrayList<>();
        List<Long> blockLo = new ArrayList<>();
        List<Long> blockHi = new ArrayList<>();
        List<Long> rawLo = new ArrayList<>();
        List<Long> rawHi = new ArrayList<>();
        for (Piece p : pieces) {
            if (p.level() == 0) {
                rawLo.add(p.from());
                rawHi.add(p.to());
            } else {
                levels.add((short) p.level());
                blockLo.add(p.from());
                blockHi.add(p.to());
            }
        }
        jdbc.execute((Connection con) -> {
            // blocks and raw ranges are disjoint and each query answers in step order: merge the two
            try (PreparedStatement blocks = con.prepareStatement(BLOCKS);
                    PreparedStatement raw = con.prepareStatement(RAW)) {
                blocks.setArray(1, con.createArrayOf("int2", levels.toArray()));
                blocks.setArray(2, array(con, blockLo));
                blocks.setArray(3, array(con, blockHi));
                blocks.setLong(4, runId);
                raw.setArray(1, array(con, rawLo));
                raw.setArray(2, array(con, rawHi));
                raw.setLong(3, runId);
                try (var b = blocks.executeQuery(); var r = raw.executeQuery()) {
                    boolean hasB = b.next();
                    boolean hasR = r.next();
                    while (hasB || hasR) {
                        boolean takeBlock = hasB && (!hasR || blockStart(b) < r.getLong(1));
                        if (takeBlock) {
                            row.accept(b, true);
                            hasB = b.next();
                        } else {
                            row.accept(r, false);
                            hasR = r.next();
                        }
                    }
                }
            }
            return null;
        });
    }

    /** A block's position in step order: its first valued step, or its first step when it has none. */
    private static long blockStart(java.sql.ResultSet b) throws SQLException {
        long s = b.getLong(1);
        return b.wasNull() ? Long.MIN_VALUE : s;
    }

    private static Array array(Connection con, List<Long> values) throws SQLException {
        return con.createArrayOf("int8", values.toArray());
    }
}
