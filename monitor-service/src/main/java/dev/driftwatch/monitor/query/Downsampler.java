package dev.driftwatch.monitor.query;

import java.util.Arrays;

/**
 * Reduces a series, ordered by step, to at most {@code maxPoints} points while keeping what a chart
 * must not lose: the series is cut into {@code maxPoints / 4} buckets of equal step width, and each
 * bucket keeps its first, last, minimum and maximum point (fewer when they coincide). A series that
 * already fits is returned whole.
 *
 * <p>Fed one point at a time in step order, so a 100k-point series is never held twice.
 */
public final class Downsampler {

    private final long firstStep;
    private final double bucketWidth;
    private final int buckets;
    private final boolean passThrough;

    // the current bucket
    private long bucket = -1;
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
        this.firstStep = firstStep;
        this.passThrough = count <= maxPoints;
        this.buckets = maxPoints / 4;
        this.bucketWidth = ((double) lastStep - firstStep + 1) / buckets;
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
        long b = Math.min(buckets - 1, (long) ((step - firstStep) / bucketWidth));
        if (b != bucket) {
            flush();
            bucket = b;
            fStep = lStep = minStep = maxStep = step;
            fValue = lValue = minValue = maxValue = value;
            return;
        }
        lStep = step;
        lValue = value;
        if (value < minValue) {
            minValue = value;
            minStep = step;
        }
        if (value > maxValue) {
            maxValue = value;
            maxStep = step;
        }
    }

    /**
     * Finishes the series.
     *
     * @return the kept points, by step
     */
    public Series finish() {
        if (!passThrough) {
            flush();
            bucket = -1;
        }
        return new Series(Arrays.copyOf(steps, size), Arrays.copyOf(values, size));
    }

    /** Emits the current bucket's points in step order, each step once. */
    private void flush() {
        if (bucket < 0) {
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
