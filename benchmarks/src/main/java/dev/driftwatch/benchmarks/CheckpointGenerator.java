package dev.driftwatch.benchmarks;

import dev.driftwatch.contract.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Realistic checkpoints for the service benchmarks: 9 metric summaries plus 3 task metrics (~12
 * aggregates), 8 slices, 50 parameter tensors and 5 top examples, as wire JSON and as the COPY rows
 * the service stores for them.
 */
final class CheckpointGenerator {

    /** The metrics of a sequence probe set without targets (9): the figures stay comparable across runs. */
    static final Metric[] METRICS = Metric.measured(true, false).toArray(Metric[]::new);
    static final int SLICES = 8;
    static final int TENSORS = 50;
    static final int TOP = 5;

    private final SplittableRandom random = new SplittableRandom(42);

    /** One generated checkpoint: its wire JSON and its stored column values. */
    record Generated(long step, double kl, String json, String metricsJson, String slicesJson, String topJson,
            String taskJson, double[] delta, double[] relative) {}

    /**
     * Generates checkpoints at consecutive steps.
     *
     * @param first the first step
     * @param count how many
     * @return them, in step order
     */
    List<Generated> next(long first, int count) {
        List<Generated> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(next(first + i));
        }
        return out;
    }

    Generated next(long step) {
        double kl = 0.05 + 0.5 * random.nextDouble();
        StringBuilder metrics = new StringBuilder("{");
        StringBuilder stored = new StringBuilder("{");
        for (int m = 0; m < METRICS.length; m++) {
            Metric metric = METRICS[m];
            boolean fraction = metric.unit() == Metric.Unit.FRACTION;
            double mean = fraction ? 0.5 * random.nextDouble() : kl * (0.5 + random.nextDouble());
            if (metric == Metric.JS) {
                mean = Math.min(mean, 0.3);
            }
            appendSummary(metrics, stored, metric, 600, mean, m > 0);
        }
        metrics.append('}');
        stored.append('}');
        StringBuilder slices = new StringBuilder("[");
        StringBuilder storedSlices = new StringBuilder("[");
        for (int s = 0; s < SLICES; s++) {
            String head = (s > 0 ? "," : "") + "{\"slice\":\"slice-" + s + "\",\"count\":75,\"metrics\":{";
            slices.append(head);
            storedSlices.append(head);
            appendSummary(slices, storedSlices, Metric.KL_BASE_FT, 75, kl * (0.5 + random.nextDouble()), false);
            appendSummary(slices, storedSlices, Metric.JS, 75, Math.min(0.3, kl * random.nextDouble()), true);
            slices.append("}}");
            storedSlices.append("}}");
        }
        slices.append(']');
        storedSlices.append(']');
        StringBuilder top = new StringBuilder("[");
        for (int t = 0; t < TOP; t++) {
            top.append(t > 0 ? "," : "").append(String.format(Locale.ROOT,
                    "{\"probeId\":\"probe-%d\",\"slice\":\"slice-%d\",\"metric\":\"kl_base_ft\",\"value\":%s}",
                    random.nextInt(10000), t % SLICES, kl * (5 - t)));
        }
        top.append(']');
        StringBuilder tensors = new StringBuilder("[");
        double[] delta = new double[TENSORS];
        double[] relative = new double[TENSORS];
        for (int t = 0; t < TENSORS; t++) {
            delta[t] = random.nextDouble();
            relative[t] = delta[t] / 10;
            tensors.append(t > 0 ? "," : "").append(String.format(Locale.ROOT,
                    "{\"name\":\"layer%02d_weight\",\"trainable\":true,\"buffer\":false,\"size\":4096,"
                            + "\"deltaL2\":%s,\"baseL2\":10.0,\"relative\":%s,\"stableRank\":2.5}",
                    t, delta[t], relative[t]));
        }
        tensors.append(']');
        String task = String.format(Locale.ROOT,
                "{\"train_loss\":%s,\"validate_loss\":%s,\"validate_accuracy\":%s}",
                1.0 / (1 + step), 1.1 / (1 + step), 0.8);
        String json = String.format(Locale.ROOT, "{\"step\":%d,\"epoch\":%d,\"time\":\"2026-11-27T08:00:00Z\","
                + "\"probeCount\":600,\"metrics\":%s,\"slices\":%s,\"topExamples\":%s,\"parameters\":{"
                + "\"totalParameters\":1000000,\"trainableParameters\":1000000,\"trainableFraction\":1.0,"
                + "\"globalRelativeL2\":0.05,\"tensors\":%s},\"taskMetrics\":%s}",
                step, step / 1000, metrics, slices, top, tensors, task);
        return new Generated(step, kl, json, stored.toString(), storedSlices.toString(), top.toString(), task,
                delta, relative);
    }

    private void appendSummary(StringBuilder wire, StringBuilder stored, Metric metric, int count, double mean,
            boolean comma) {
        String name = metric.wireName();
        double p50 = mean * 0.8;
        double p90 = mean * 1.5;
        double p99 = mean * 1.9;
        double max = mean * 2.0;
        double lo = mean * 0.95;
        double hi = mean * 1.05;
        double upper = metric.range().max();
        if (upper < Double.POSITIVE_INFINITY) {
            // inside the metric's range (JS keeps a little below ln 2)
            max = Math.min(max, metric == Metric.JS ? 0.69 : upper);
            p99 = Math.min(p99, max);
            p90 = Math.min(p90, p99);
            if (metric == Metric.JS) {
                p50 = Math.min(p50, p90);
            }
        }
        wire.append(comma ? "," : "").append(String.format(Locale.ROOT,
                "\"%s\":{\"count\":%d,\"mean\":%s,\"p50\":%s,\"p90\":%s,\"p99\":%s,\"max\":%s,\"ciLow\":%s,"
                        + "\"ciHigh\":%s}", name, count, mean, p50, p90, p99, max, lo, hi));
        stored.append(comma ? "," : "").append(String.format(Locale.ROOT, "\"%s\":[%d,%s,%s,%s,%s,%s,%s,%s]",
                name, count, mean, p50, p90, p99, max, lo, hi));
    }
}
