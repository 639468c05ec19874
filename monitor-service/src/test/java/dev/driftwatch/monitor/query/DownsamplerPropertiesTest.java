package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Properties of {@link Downsampler} on generated series. */
class DownsamplerPropertiesTest {

    @Property(tries = 300)
    void keepsFirstLastMinMaxAndOnlySourcePoints(
            @ForAll @Size(min = 1, max = 3000) List<@DoubleRange(min = -1e6, max = 1e6) Double> values,
            @ForAll @IntRange(min = 1, max = 7) int stepGap,
            @ForAll @IntRange(min = 4, max = 400) int maxPoints) {
        long[] steps = new long[values.size()];
        Map<Long, Double> source = new HashMap<>();
        for (int i = 0; i < steps.length; i++) {
            steps[i] = 100 + (long) i * stepGap;
            source.put(steps[i], values.get(i));
        }
        Downsampler d = new Downsampler(steps[0], steps[steps.length - 1], steps.length, maxPoints);
        for (int i = 0; i < steps.length; i++) {
            d.add(steps[i], values.get(i));
        }
        Downsampler.Series s = d.finish();

        assertThat(s.steps().length).isLessThanOrEqualTo(maxPoints).isPositive();
        for (int i = 0; i < s.steps().length; i++) {
            assertThat(source).containsEntry(s.steps()[i], s.values()[i]);
            if (i > 0) {
                assertThat(s.steps()[i]).isGreaterThan(s.steps()[i - 1]);
            }
        }
        assertThat(s.steps()[0]).isEqualTo(steps[0]);
        assertThat(s.steps()[s.steps().length - 1]).isEqualTo(steps[steps.length - 1]);
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertThat(Arrays.stream(s.values()).min().orElseThrow()).isEqualTo(min);
        assertThat(Arrays.stream(s.values()).max().orElseThrow()).isEqualTo(max);
        if (steps.length <= maxPoints) {
            assertThat(s.steps()).isEqualTo(steps);
        }
    }

    @Property(tries = 200)
    void aSingleSpikeAnywhereIsKept(@ForAll @IntRange(min = 0, max = 99_999) int spikeAt,
            @ForAll @IntRange(min = 4, max = 2000) int maxPoints) {
        Downsampler d = new Downsampler(0, 99_999, 100_000, maxPoints);
        for (int i = 0; i < 100_000; i++) {
            d.add(i, i == spikeAt ? 1e9 : Math.sin(i / 500.0));
        }
        Downsampler.Series s = d.finish();
        int at = Arrays.binarySearch(s.steps(), spikeAt);
        assertThat(at).isNotNegative();
        assertThat(s.values()[at]).isEqualTo(1e9);
    }

    @Property(tries = 100)
    void everyBucketKeepsItsOwnExtremes(@ForAll @IntRange(min = 2, max = 100) int buckets,
            @ForAll @IntRange(min = 0, max = 5000) int offset) {
        // a series whose every bucket has its own local max: a sawtooth with one tooth per bucket
        int n = 10_000;
        int maxPoints = buckets * 4;
        long width = Downsampler.bucketWidth(offset, offset + n - 1, maxPoints);
        Downsampler d = new Downsampler(offset, offset + n - 1, n, maxPoints);
        for (int i = offset; i < offset + n; i++) {
            d.add(i, (i % width) + 0.5);
        }
        Downsampler.Series s = d.finish();
        long peaks = Arrays.stream(s.values()).filter(v -> v == width - 0.5).count();
        // every step b * width + width - 1 in the series is its bucket's maximum
        assertThat(peaks).isEqualTo((offset + n) / width - offset / width);
    }

    @Property(tries = 500)
    void bucketsAreAlignedRoundAndNearlyAsManyAsAllowed(@ForAll @LongRange(min = 0, max = 1L << 50) long first,
            @ForAll @LongRange(min = 0, max = 1L << 40) long span, @ForAll @IntRange(min = 4, max = 20_000) int maxPoints) {
        long last = first + span;
        long w = Downsampler.bucketWidth(first, last, maxPoints);
        long allowed = maxPoints / 4;
        long buckets = last / w - first / w + 1;
        assertThat(Downsampler.roundUp(w)).as("round").isEqualTo(w);
        assertThat(buckets).isLessThanOrEqualTo(allowed);
        if (span >= 8 * allowed) {
            // the next smaller round width would not do, so widths are at most 5/4 of what is needed
            assertThat(buckets).isGreaterThanOrEqualTo((long) Math.floor(allowed * 0.8) - 1);
        }
    }
}
