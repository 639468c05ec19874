package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StratifiedBootstrapTest {

    @Test
    void intervalOfABinaryMeanStaysWithinTheDataAndIsTheStudentizedOne() {
        // {0 x 15, 1 x 5}: mean 1/4, se = sqrt(var / n) with var = 20/19 * 3/16; resamples with no spread
        // would have an unbounded t, so the interval is clamped to the data's range [0, 1]
        double[] rows = new double[20];
        for (int i = 0; i < 5; i++) {
            rows[i] = 1;
        }
        var ci = new StratifiedBootstrap(20000, 7).run(rows, 1, new int[20], 1);
        double se = Math.sqrt(20.0 / 19 * 3 / 16 / 20);
        assertThat(ci.overallLow()[0]).isBetween(0.0, 0.25 - 1.5 * se);
        assertThat(ci.overallHigh()[0]).isBetween(0.25 + 1.9 * se, 1.0);
        // right-skewed counts: the interval reaches further up than down
        assertThat(ci.overallHigh()[0] - 0.25).isGreaterThan(0.25 - ci.overallLow()[0]);
    }

    @Test
    void intervalOfAConstantIsThatConstant() {
        double[] rows = {0.3, 0.3, 0.3};
        var ci = new StratifiedBootstrap(1000, 1).run(rows, 1, new int[3], 1);
        assertThat(ci.overallLow()[0]).isCloseTo(0.3, within(1e-12));
        assertThat(ci.overallHigh()[0]).isCloseTo(0.3, within(1e-12));
    }

    @Test
    void strataKeepTheirSizesSoSliceCompositionIsNotResampled() {
        // Slice 0 is all 1, slice 1 all 3: every stratified resample mean is exactly 2.
        double[] rows = {1, 3, 1, 3};
        var ci = new StratifiedBootstrap(1000, 3).run(rows, 1, new int[] {0, 1, 0, 1}, 2);
        assertThat(ci.overallLow()[0]).isCloseTo(2, within(1e-12));
        assertThat(ci.overallHigh()[0]).isCloseTo(2, within(1e-12));
        assertThat(ci.low()[1][0]).isEqualTo(3);
    }

    @Test
    void isSeededAndNormalLikeForLargeSamples() {
        int n = 4000;
        double[] rows = new double[n * 2];
        java.util.Random r = new java.util.Random(5);
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double v = r.nextGaussian();
            rows[2 * i] = v;
            rows[2 * i + 1] = 2 * v;
            sum += v;
            sq += v * v;
        }
        var a = new StratifiedBootstrap(2000, 11).run(rows, 2, new int[n], 1);
        var b = new StratifiedBootstrap(2000, 11).run(rows, 2, new int[n], 1);
        assertThat(a.overallLow()).containsExactly(b.overallLow());
        double mean = sum / n;
        double se = Math.sqrt((sq / n - mean * mean) / n);
        assertThat(a.overallLow()[0]).isCloseTo(mean - 1.96 * se, within(0.25 * se));
        assertThat(a.overallHigh()[0]).isCloseTo(mean + 1.96 * se, within(0.25 * se));
        // both metrics share the resamples, so the second interval is exactly twice the first
        assertThat(a.overallHigh()[1]).isCloseTo(2 * a.overallHigh()[0], within(1e-9));
    }

    @Test
    void theDeviceCountMatrixGivesTheSameIntervalsAsTheStreamingDraws() {
        int n = 300;
        int metrics = 3;
        double[] rows = new double[n * metrics];
        int[] stratumOf = new int[n];
        java.util.Random r = new java.util.Random(9);
        for (int i = 0; i < n; i++) {
            stratumOf[i] = i % 3;
            for (int m = 0; m < metrics; m++) {
                rows[i * metrics + m] = r.nextDouble() * (m + 1) + stratumOf[i];
            }
        }
        StratifiedBootstrap bootstrap = new StratifiedBootstrap(1000, 13);
        var streaming = bootstrap.run(rows, metrics, stratumOf, 3);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
                DeviceBootstrap device = new DeviceBootstrap(m, bootstrap, stratumOf, 3);
                ai.djl.ndarray.NDManager scoped = m.newSubManager()) {
            var onDevice = device.run(scoped, rows, metrics);
            for (int k = 0; k < metrics; k++) {
                assertThat(onDevice.overallLow()[k]).isCloseTo(streaming.overallLow()[k], within(1e-5));
                assertThat(onDevice.overallHigh()[k]).isCloseTo(streaming.overallHigh()[k], within(1e-5));
                assertThat(onDevice.low()[2][k]).isCloseTo(streaming.low()[2][k], within(1e-5));
            }
        }
    }

    /**
     * Values whose squares float32 cannot hold (a KL of p * 3.4e38 where one model rules out a class the other
     * allows: here half the probes, as when a fine-tuned classifier masks the classes of the base's task) are not
     * for the device: its float32 sums overflow and its interval is wrong, and {@link DeviceBootstrap#holds} says
     * so, which DriftMeter asks before using it.
     */
    @Test
    void valuesPastFloat32SquaresAreLeftToTheDoubleBootstrap() {
        int n = 48;
        double[] rows = new double[n];
        java.util.Random r = new java.util.Random(4);
        for (int i = 0; i < n; i++) {
            rows[i] = i < n / 2 ? 1e38 * (1 + r.nextDouble()) : 1e-3 * (1 + r.nextDouble());
        }
        int[] stratumOf = new int[n];
        StratifiedBootstrap bootstrap = new StratifiedBootstrap(1000, 13);
        var streaming = bootstrap.run(rows, 1, stratumOf, 1);
        double mean = java.util.Arrays.stream(rows).sum() / n;
        assertThat(streaming.overallLow()[0]).isFinite().isLessThan(mean).isGreaterThan(0.25 * mean);
        assertThat(streaming.overallHigh()[0]).isFinite().isGreaterThan(mean).isLessThan(1.75 * mean);
        assertThat(DeviceBootstrap.holds(rows)).isFalse();
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
                DeviceBootstrap device = new DeviceBootstrap(m, bootstrap, stratumOf, 1);
                ai.djl.ndarray.NDManager scoped = m.newSubManager()) {
            var onDevice = device.run(scoped, rows, 1);
            System.out.printf("half the KLs near 1.5e38: double [%s, %s], float32 device [%s, %s]%n",
                    streaming.overallLow()[0], streaming.overallHigh()[0], onDevice.overallLow()[0],
                    onDevice.overallHigh()[0]);
            assertThat(onDevice.overallLow()[0]).as("the device's lower bound").isNotCloseTo(streaming.overallLow()[0],
                    org.assertj.core.api.Assertions.withinPercentage(10));
        }
        assertThat(DeviceBootstrap.holds(new double[] {0, -DeviceBootstrap.MAX_MAGNITUDE, 3.5})).isTrue();
        assertThat(DeviceBootstrap.holds(new double[] {Double.NaN})).isFalse();
    }
}
