package dev.driftwatch.monitor.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Uploads runs and checkpoints through the real ingestion API, as the trainer plugin does, so the UI
 * tests read data that went the whole way in. The drift values follow a curve chosen per run.
 */
final class Uploads {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String BASE = "a".repeat(64);
    private static final String PROBE = "b".repeat(64);
    private static final List<String> METRICS =
            List.of("kl_base_ft", "kl_ft_base", "js", "tv", "top1_agree", "entropy_base", "entropy_ft");
    private static final List<String> SLICES = List.of("on-task", "off-task/general", "off-task/safety");

    private final HttpClient http = HttpClient.newHttpClient();
    private final String api;
    private final String token;

    Uploads(int port, String project, String token) {
        this.api = "http://localhost:" + port + "/api/v1/projects/" + project + "/runs/";
        this.token = token;
    }

    /**
     * Creates or updates a run.
     *
     * @param runKey the key
     * @param name the display name
     * @param method full, head, ...
     * @param trainable trainable parameters out of 100000
     * @param tags tags
     */
    void run(String runKey, String name, String method, long trainable, String... tags) {
        run(runKey, name, method, trainable, Map.of("learningRate", "0.01"), tags);
    }

    /**
     * Creates or updates a run with a config.
     *
     * @param runKey the key
     * @param name the display name
     * @param method full, head, ...
     * @param trainable trainable parameters out of 100000
     * @param config the run's config, e.g. {@code plannedSteps}
     * @param tags tags
     */
    void run(String runKey, String name, String method, long trainable, Map<String, String> config,
            String... tags) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("name", name);
        run.put("method", method);
        run.put("tags", List.of(tags));
        run.put("baseFingerprint", BASE);
        run.put("probeFingerprint", PROBE);
        run.put("totalParameters", 100_000);
        run.put("trainableParameters", trainable);
        run.put("config", config);
        send("PUT", runKey, run);
    }

    /**
     * Uploads checkpoints {@code from..to} (every {@code every} steps) whose headline KL is
     * {@code scale * (1 - exp(-step / tau))} with {@code tau = max(200, to / 4)} (long runs keep rising
     * over most of their length), in batches of up to 1000.
     *
     * @param runKey the run
     * @param from first step
     * @param to last step, inclusive
     * @param every step interval
     * @param scale the KL the run approaches
     * @param loss the task loss the run ends at
     */
    void checkpoints(String runKey, long from, long to, long every, double scale, double loss) {
        checkpoints(runKey, from, to, every, scale, loss, false);
    }

    /**
     * Uploads checkpoints as {@link #checkpoints(String, long, long, long, double, double)} does, with
     * labelled probes when asked: then every slice also reports forgetting, half its KL plus a wobble.
     *
     * @param runKey the run
     * @param from first step
     * @param to last step, inclusive
     * @param every step interval
     * @param scale the KL the run approaches
     * @param loss the task loss the run ends at
     * @param labelled whether the slices report forgetting
     */
    void checkpoints(String runKey, long from, long to, long every, double scale, double loss, boolean labelled) {
        List<Object> batch = new ArrayList<>();
        double tau = Math.max(200, to / 4.0);
        for (long step = from; step <= to; step += every) {
            Map<String, Object> c = checkpoint(step, tau, scale, loss);
            if (labelled) {
                addForgetting(c, step);
            }
            batch.add(c);
            if (batch.size() == 1000) {
                send("POST", runKey + "/checkpoints", Map.of("checkpoints", batch));
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            send("POST", runKey + "/checkpoints", Map.of("checkpoints", batch));
        }
    }

    /**
     * Uploads checkpoints at the given steps whose every metric's mean is the given KL (otherwise as {@link
     * #checkpoints(String, long, long, long, double, double)} makes them).
     *
     * @param runKey the run
     * @param steps the checkpoints' steps
     * @param kl their KL, as many as steps
     */
    void checkpointsWithKl(String runKey, long[] steps, double[] kl) {
        List<Object> batch = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            Map<String, Object> c = checkpoint(steps[i], 200, 1, 0.5);
            Map<String, Object> metrics = new LinkedHashMap<>();
            for (String m : METRICS) {
                metrics.put(m, summary(m, kl[i], 600));
            }
            c.put("metrics", metrics);
            batch.add(c);
        }
        send("POST", runKey + "/checkpoints", Map.of("checkpoints", batch));
    }

    /**
     * Uploads checkpoints as {@link #checkpoints(String, long, long, long, double, double)} does, each also
     * with the sampled estimates k1 and k3 (per token): equal until {@code k3FallsShortFrom}, then k3 at
     * 80% of k1, where their intervals (8% either side of the mean) no longer overlap.
     *
     * @param runKey the run
     * @param from first step
     * @param to last step, inclusive
     * @param every step interval
     * @param k3FallsShortFrom the first step where k3 falls short
     */
    @SuppressWarnings("unchecked")
    void checkpointsWithSampled(String runKey, long from, long to, long every, long k3FallsShortFrom) {
        List<Object> batch = new ArrayList<>();
        for (long step = from; step <= to; step += every) {
            Map<String, Object> c = checkpoint(step, Math.max(200, to / 4.0), 0.35, 5.4);
            Map<String, Object> metrics = new LinkedHashMap<>((Map<String, Object>) c.get("metrics"));
            double kl = (Double) ((Map<String, Object>) metrics.get("kl_base_ft")).get("mean");
            metrics.put("kl_ft_base_k1", summary("kl_ft_base_k1", kl, 200));
            metrics.put("kl_ft_base_k3", summary("kl_ft_base_k3", step >= k3FallsShortFrom ? 0.8 * kl : kl, 200));
            c.put("metrics", metrics);
            batch.add(c);
        }
        send("POST", runKey + "/checkpoints", Map.of("checkpoints", batch));
    }

    /**
     * Marks a run completed.
     *
     * @param runKey the run
     */
    void finish(String runKey) {
        send("POST", runKey + "/finish", Map.of("status", "completed"));
    }

    /**
     * One checkpoint in the wire form of docs/api/ingestion.md.
     *
     * @param step the step
     * @param tau the KL's time constant, in steps
     * @param scale the KL the run approaches
     * @param loss the final task loss
     * @return the checkpoint as a map
     */
    static Map<String, Object> checkpoint(long step, double tau, double scale, double loss) {
        // a little wobble, so charts look like measurements
        double kl = scale * (1 - Math.exp(-step / tau)) * (1 + 0.04 * Math.sin(step / (tau / 8))) + 0.001;
        Map<String, Object> metrics = new LinkedHashMap<>();
        for (String m : METRICS) {
            metrics.put(m, summary(m, kl, 600));
        }
        List<Object> slices = new ArrayList<>();
        for (int i = 0; i < SLICES.size(); i++) {
            double sliceKl = kl * (i == 0 ? 1.6 : 0.4 + 0.2 * i);
            slices.add(Map.of("slice", SLICES.get(i), "count", 200, "metrics",
                    Map.of("kl_base_ft", summary("kl_base_ft", sliceKl, 200), "js", summary("js", sliceKl, 200))));
        }
        List<Object> top = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            top.add(Map.of("probeId", "probe-" + (step % 7 + i), "slice", SLICES.get(i % 3), "metric", "kl_base_ft",
                    "value", kl * (5 - i)));
        }
        List<Object> tensors = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            double rel = kl * 0.1 * (t + 1);
            tensors.add(Map.of("name", "layer" + t + "_weight", "trainable", true, "buffer", false, "size", 1000,
                    "deltaL2", rel * 10, "baseL2", 10.0, "relative", rel));
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("step", step);
        c.put("probeCount", 600);
        c.put("metrics", metrics);
        c.put("slices", slices);
        c.put("topExamples", top);
        c.put("parameters", Map.of("totalParameters", 100_000, "trainableParameters", 100_000,
                "trainableFraction", 1.0, "globalRelativeL2", kl * 0.2, "tensors", tensors));
        c.put("taskMetrics", Map.of("train_loss", loss + 1.0 / (1 + step / (tau / 4)),
                "validate_loss", loss + 1.2 / (1 + step / (tau / 4))));
        return c;
    }

    @SuppressWarnings("unchecked")
    private static void addForgetting(Map<String, Object> checkpoint, long step) {
        List<Object> slices = new ArrayList<>();
        for (Object o : (List<Object>) checkpoint.get("slices")) {
            Map<String, Object> slice = new LinkedHashMap<>((Map<String, Object>) o);
            Map<String, Object> metrics = new LinkedHashMap<>((Map<String, Object>) slice.get("metrics"));
            double kl = (Double) ((Map<String, Object>) metrics.get("kl_base_ft")).get("mean");
            metrics.put("forgetting", summary("forgetting", 0.5 * kl + 0.002 * Math.sin(step / 7.0) + 0.003, 200));
            slice.put("metrics", metrics);
            slices.add(slice);
        }
        checkpoint.put("slices", slices);
        Map<String, Object> metrics = new LinkedHashMap<>((Map<String, Object>) checkpoint.get("metrics"));
        double kl = (Double) ((Map<String, Object>) metrics.get("kl_base_ft")).get("mean");
        metrics.put("forgetting", summary("forgetting", 0.5 * kl + 0.003, 600));
        checkpoint.put("metrics", metrics);
    }

    private static Map<String, Object> summary(String metric, double kl, int count) {
        double mean = switch (metric) {
            case "js" -> Math.min(0.69, kl / 4);
            case "tv", "top1_agree" -> Math.min(1, metric.equals("tv") ? kl / 3 : 1 - kl / 10);
            case "entropy_base" -> 1.2;
            case "entropy_ft" -> 1.2 + kl / 5;
            default -> kl;
        };
        mean = Math.max(0, Math.min(metric.equals("js") ? 0.69 : Double.MAX_VALUE, mean));
        double hi = metric.equals("tv") || metric.equals("top1_agree") ? 1
                : metric.equals("js") ? Math.log(2) : Double.MAX_VALUE;
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("count", count);
        s.put("mean", mean);
        s.put("p50", mean * 0.6);
        s.put("p90", Math.min(hi, mean * 1.8));
        s.put("p99", Math.min(hi, mean * 2.6));
        s.put("max", Math.min(hi, mean * 3.0));
        s.put("ciLow", mean * 0.92);
        s.put("ciHigh", Math.min(hi, mean * 1.08));
        return s;
    }

    /**
     * Uploads one checkpoint whose first top example carries the given per-token drift.
     *
     * @param runKey the run
     * @param step the step
     * @param tokens the {@code tokens} object of the wire form
     */
    void checkpointWithTokens(String runKey, long step, Map<String, Object> tokens) {
        send("POST", runKey + "/checkpoints", Map.of("checkpoints", List.of(withTokens(step, tokens))));
    }

    /**
     * Sends a checkpoint whose first top example carries the given per-token drift, and returns the answer.
     *
     * @param runKey the run
     * @param step the step
     * @param tokens the {@code tokens} object
     * @return the status and body
     */
    HttpResponse<String> tryCheckpointWithTokens(String runKey, long step, Map<String, Object> tokens) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(api + runKey + "/checkpoints"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                            Map.of("checkpoints", List.of(withTokens(step, tokens))))))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a path under the project's runs with the project's token.
     *
     * @param path e.g. {@code run-1/top-examples}
     * @return the status and body
     */
    HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withTokens(long step, Map<String, Object> tokens) {
        Map<String, Object> c = checkpoint(step, 200, 0.3, 0.5);
        List<Object> top = new ArrayList<>((List<Object>) c.get("topExamples"));
        Map<String, Object> first = new LinkedHashMap<>((Map<String, Object>) top.get(0));
        first.put("tokens", tokens);
        top.set(0, first);
        c.put("topExamples", top);
        return c;
    }

    private void send(String method, String path, Object body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(api + path))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + ": "
                        + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
