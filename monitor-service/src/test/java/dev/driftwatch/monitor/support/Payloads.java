package dev.driftwatch.monitor.support;

import dev.driftwatch.harness.ApiClient;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Valid request bodies of the ingestion API, built as JSON trees the tests can mutate. */
public final class Payloads {

    /** A fingerprint (64 lower-case hex). */
    public static final String FP_A = "a".repeat(64);
    /** Another fingerprint. */
    public static final String FP_B = "b".repeat(64);

    private Payloads() {}

    /**
     * A run body.
     *
     * @param method full, head, ...
     * @param total total parameters
     * @param trainable trainable parameters
     * @return the body
     */
    public static ObjectNode run(String method, long total, long trainable) {
        ObjectNode r = ApiClient.JSON.createObjectNode();
        r.put("name", "run " + method);
        r.put("method", method);
        r.set("tags", ApiClient.JSON.createArrayNode().add("demo").add("fashion-mnist"));
        r.put("baseFingerprint", FP_A);
        r.put("probeFingerprint", FP_B);
        r.put("totalParameters", total);
        r.put("trainableParameters", trainable);
        r.put("temperature", 1.5);
        ObjectNode config = r.putObject("config");
        config.put("learningRate", "0.01");
        config.put("batchSize", "64");
        r.put("startedAt", "2026-11-27T08:00:00Z");
        return r;
    }

    /**
     * A summary with consistent order statistics around {@code mean}.
     *
     * @param count examples
     * @param mean the mean
     * @return the summary
     */
    public static ObjectNode summary(int count, double mean) {
        ObjectNode s = ApiClient.JSON.createObjectNode();
        s.put("count", count);
        s.put("mean", mean);
        s.put("p50", mean * 0.5);
        s.put("p90", mean * 1.5);
        s.put("p99", mean * 2.0);
        s.put("max", mean * 2.5);
        s.put("ciLow", mean * 0.9);
        s.put("ciHigh", mean * 1.1);
        return s;
    }

    /**
     * A checkpoint with every field of the contract.
     *
     * @param step the step
     * @param kl the headline KL mean
     * @param loss the validation loss
     * @return the checkpoint
     */
    public static ObjectNode fullCheckpoint(long step, double kl, double loss) {
        ObjectNode c = ApiClient.JSON.createObjectNode();
        c.put("step", step);
        c.put("epoch", (int) (step / 100));
        c.put("time", "2026-11-27T08:01:10Z");
        c.put("valid", true);
        c.put("approximation", "topk(20)");
        c.put("temperature", 1.5);
        c.put("probeCount", 600);
        ObjectNode metrics = c.putObject("metrics");
        ObjectNode headline = summary(600, kl);
        headline.put("tailIndex", 1.7); // the optional diagnostics: a heavy tail, a sampled base tail
        headline.put("samplingStdError", kl * 0.004);
        metrics.set("kl_base_ft", headline);
        ObjectNode reverse = summary(600, kl * 1.2);
        reverse.put("tailIndex", 3.25);
        metrics.set("kl_ft_base", reverse);
        metrics.set("js", summary(600, Math.min(0.2, kl / 4)));
        ObjectNode tv = summary(600, 0.3);
        metrics.set("tv", tv);
        ArrayNode slices = c.putArray("slices");
        for (String name : List.of("on-task", "off-task/general")) {
            ObjectNode s = slices.addObject();
            s.put("slice", name);
            s.put("count", 300);
            s.putObject("metrics").set("kl_base_ft", summary(300, name.equals("on-task") ? kl * 1.4 : kl * 0.6));
        }
        ArrayNode top = c.putArray("topExamples");
        for (int i = 0; i < 2; i++) {
            ObjectNode t = top.addObject();
            t.put("probeId", "test-" + (1234 + i));
            t.put("slice", "on-task");
            t.put("metric", "kl_base_ft");
            t.put("value", kl * (3 - i));
        }
        ObjectNode p = c.putObject("parameters");
        p.put("totalParameters", 109386);
        p.put("trainableParameters", 109386);
        p.put("trainableFraction", 1.0);
        p.put("globalRelativeL2", 0.083);
        ArrayNode tensors = p.putArray("tensors");
        for (int i = 0; i < 3; i++) {
            ObjectNode t = tensors.addObject();
            t.put("name", "0" + i + "Linear_weight");
            t.put("trainable", i < 2);
            t.put("buffer", i == 2);
            t.put("size", 1000 + i);
            t.put("deltaL2", 0.9 + i);
            t.put("baseL2", 11.2);
            t.put("relative", (0.9 + i) / 11.2);
            if (i == 0) {
                t.put("stableRank", 3.25);
            }
        }
        ObjectNode task = c.putObject("taskMetrics");
        task.put("train_loss", loss * 0.9);
        task.put("validate_loss", loss);
        task.put("validate_accuracy", 0.84);
        return c;
    }

    /**
     * A minimal valid checkpoint (headline KL only).
     *
     * @param step the step
     * @param kl the headline KL mean
     * @return the checkpoint
     */
    public static ObjectNode checkpoint(long step, double kl) {
        ObjectNode c = ApiClient.JSON.createObjectNode();
        c.put("step", step);
        c.put("probeCount", 100);
        c.putObject("metrics").set("kl_base_ft", summary(100, kl));
        return c;
    }

    /**
     * A minimal valid checkpoint with a validation loss, for flagging.
     *
     * @param step the step
     * @param kl the headline KL mean (its CI is mean +- 10%)
     * @param loss the validation loss
     * @return the checkpoint
     */
    public static ObjectNode checkpoint(long step, double kl, double loss) {
        ObjectNode c = checkpoint(step, kl);
        c.putObject("taskMetrics").put("validate_loss", loss);
        return c;
    }

    /**
     * Wraps checkpoints into an upload body.
     *
     * @param checkpoints the checkpoints
     * @return {@code {"checkpoints": [...]}}
     */
    public static ObjectNode batch(ObjectNode... checkpoints) {
        ObjectNode b = ApiClient.JSON.createObjectNode();
        ArrayNode a = b.putArray("checkpoints");
        for (ObjectNode c : checkpoints) {
            a.add(c);
        }
        return b;
    }
}
