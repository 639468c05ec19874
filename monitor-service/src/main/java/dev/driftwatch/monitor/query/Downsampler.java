package dev.driftwatch.monitor.query;

import java.util.Arrays;

/**
 * Reduces a series, ordered by step, to at most {@code maxPoints} points while keeping what a chart
 * must not lose: the steps are cut into buckets of equal width, and each bucket keeps its first,
 * last, minimum and maximum point (fewer when they coincide; ties keep the earliest step). A series
 * that already fits is returned whole.
 *
 * <p>Buckets are aligned: bucket {@code b} holds steps {@code [b * w, (b + 1) * w - 1]}, where the
 * width {@code w} is the smallest "round" width ({@link #bucketWidth}: 1, 2, 3, then {@code m * 2^j}
 * with {@code m} in 4..7) for which the series' steps fall into at most {@code maxPoints / 4}
 * buckets, so between about 0.8 and 1 times {@code maxPoints / 4} of them. Round widths are what
 * lets the coarse level ({@code checkpoint_coarse}, blocks of {@code 2^k} steps) answer whole
 * buckets: a block never straddles two buckets.
 *
 * <p>Fed one point (or one pre-aggregated block) at a time in step order, so a 100k-point series is
 * never held twice.
 */
public final class Downsampler {

    private final long width;
    private final boolean passThrough;

    // the current bucket
    private static final long NO_BUCKET = Long.MIN_VALUE;

    private long bucket = NO_BUCKET;
    private long fStep;
    private double fValue;
    private long lStep;
    private double lValue;
    private long minStep;
    private double minValue;
    private long maxStep;
    private double maxValue;

    private long[] steps;
    private double[] values;
    private int size;

    /**
     * Prepares a downsampler for a series whose steps span {@code [firstStep, lastStep]}.
     *
     * @param firstStep the smallest step of the series
     * @param lastStep the largest step of the series
     * @param count number of points of the series
     * @param maxPoints the most points to return, at least 4
     */
    public Downsampler(long firstStep, long lastStep, long count, int maxPoints) {
        if (maxPoints < 4) {
            throw new IllegalArgumentException("maxPoints must be at least 4");
        }
        this.passThrough = count <= maxPoints;
        this.width = bucketWidth(firstStep, lastStep, maxPoints);
        int capacity = (int) Math.min(passThrough ? Math.max(count, 1) : maxPoints, maxPoints);
        this.steps = new long[capacity];
        this.values = new double[capacity];
    }

    /**
     * Adds the next point; steps must increase.
     *
     * @param step the step
     * @param value the value
     */
    public void add(long step, double value) {
        if (passThrough) {
            append(step, value);
            return;
        }
        addBlock(step, value, step, value, step, value, step, value);
    }

    /**
     * Adds a block of points at once, summarised by its first, minimum, maximum and last point (ties
     * at the earliest step): the same as adding its points one by one. The block must lie within one
     * bucket and after every point added so far.
     *
     * @param firstStep the block's first step
     * @param firstValue its value
     * @param minStep the step of the block's minimum
     * @param minValue the minimum
     * @param maxStep the step of the block's maximum
     * @param maxValue the maximum
     * @param lastStep the block's last step
     * @param lastValue its value
     */
    public void addBlock(long firstStep, double firstValue, long minStep, double minValue, long maxStep,
            double maxValue, long lastStep, double lastValue) {
        if (passThrough) {
            throw new IllegalStateException("a series that fits is added point by point");
        }
        long b = Math.floorDiv(firstStep, width);
        if (b != bucket) {
            flush();
            bucket = b;
            fStep = firstStep;
            fValue = firstValue;
            this.minStep = minStep;
            this.minValue = minValue;
            this.maxStep = maxStep;
            this.maxValue = maxValue;
        } else {
            // strictly smaller/larger: on a tie the earlier point, already kept, stays
            if (minValue < this.minValue) {
                this.minValue = minValue;
                this.minStep = minStep;
            }
            if (maxValue > this.maxValue) {
                this.maxValue = maxValue;
                this.maxStep = maxStep;
            }
        }
        lStep = lastStep;
        lValue = lastValue;
    }

    /** @return the bucket width in steps */
    public long width() {
        return width;
    }

    /** @return true when the series fits and is returned whole */
    public boolean passesThrough() {
        return passThrough;
    }

    /**
     * The bucket width for a series: the smallest round width (1, 2, 3, then {@code m * 2^j} with
     * {@code m} in 4..7) whose aligned buckets cut {@code [firstStep, lastStep]} into at most
     * {@code maxPoints / 4} buckets.
     *
     * @param firstStep the smallest step
     * @param lastStep the largest step
     * @param maxPoints the most points, at least 4
     * @return the width
     */
    public static long bucketWidth(long firstStep, long lastStep, int maxPoints) {
        int buckets = maxPoints / 4;
        long w = roundUp(Math.max(1, (lastStep - firstStep) / buckets));
        while (w < Long.MAX_VALUE && Math.floorDiv(lastStep, w) - Math.floorDiv(firstStep, w) + 1 > buckets) {
            w = roundUp(w + 1);
        }
        return w;
    }

    /** The smallest round width at or above {@code x}: 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20... */
    static long roundUp(long x) {
        if (x <= 4) {
            return Math.max(1, x);
        }
        if (x > 1L << 60) {
            return Long.MAX_VALUE; // beyond any step a column holds in practice: one bucket
        }
        int j = 61 - Long.numberOfLeadingZeros(x); // x in [4 * 2^j, 8 * 2^j)
        long unit = 1L << j;
        long m = (x + unit - 1) >>> j;
        return m == 8 ? 4 * (unit << 1) : m * unit;
    }

    /**
     * Finishes the series.
     *
     * @return the kept points, by step
     */
    public Series finish() {
        if (!passThrough) {
            flush();
            bucket = NO_BUCKET;
        }
        return new Series(Arrays.copyOf(steps, size), Arrays.copyOf(values, size));
    }

    /** Emits the current bucket's points in step order, each step once. */
    private void flush() {
        if (bucket == NO_BUCKET) {
            return;
        }
        long[] s = {fStep, minStep, maxStep, lStep};
        double[] v = {fValue, minValue, maxValue, lValue};
        // order the (at most) two inner points by step; first and last are already at the ends
        if (s[1] > s[2]) {
            long ts = s[1];
            s[1] = s[2];
            s[2] = ts;
            double tv = v[1];
            v[1] = v[2];
            v[2] = tv;
        }
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < 4; i++) {
            if (s[i] != previous) {
                append(s[i], v[i]);
                previous = s[i];
            }
        }
    }

    private void append(long step, double value) {
        if (size == steps.length) {
            steps = Arrays.copyOf(steps, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        steps[size] = step;
        values[size] = value;
        size++;
    }

    /**
     * A series as two parallel arrays.
     *
     * @param steps the steps, increasing
     * @param values the values
     */
    public record Series(long[] steps, double[] values) {}
}
