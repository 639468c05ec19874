package dev.driftwatch.monitor.ingest;

import dev.driftwatch.monitor.edge.PgLimits;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.run.RunMetadata;
import dev.driftwatch.monitor.run.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;

/**
 * Validates ingestion bodies against docs/api/ingestion.md and turns them into records. Every rule
 * of the contract is checked here; a violation becomes a 400 naming the field (422 for too many
 * items), before anything is written.
 */
final class PayloadParser {

    /** Metric names of the wire format. */
    static final List<String> METRICS = List.of("kl_base_ft", "kl_ft_base", "js", "tv", "top1_agree",
            "entropy_base", "entropy_ft", "kl_base_ft_seq", "kl_ft_base_seq");

    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern APPROXIMATION = Pattern.compile("exact|topk\\([1-9][0-9]{0,8}\\)");
    private static final double LN2 = Math.log(2);
    private static final double SLACK = 1e-9;

    private final IngestProperties limits;

    PayloadParser(IngestProperties limits) {
        this.limits = limits;
    }

    /**
     * Parses a run body.
     *
     * @param root the body
     * @param runKey the run key from the path
     * @param now the time of receipt, the default start
     * @return the metadata
     */
    RunMetadata run(JsonNode root, String runKey, Instant now) {
        JsonFields f = new JsonFields();
        if (!f.requireObject(root, "body")) {
            throw ApiProblem.invalid(f.problems());
        }
        checkRunKey(f, root, "", runKey);
        String name = f.string(root, "", "name", true, 1, 200);
        String method = f.string(root, "", "method", true, 1, 16);
        if (method != null && !RunMetadata.METHODS.contains(method)) {
            f.problem("method", "must be one of " + String.join(", ", RunMetadata.METHODS));
        }
        List<String> tags = new ArrayList<>();
        JsonNode tagArray = f.array(root, "", "tags");
        if (tagArray != null) {
            if (tagArray.size() > 32) {
                f.problem("tags", "must have at most 32 entries");
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < tagArray.size() && i < 32; i++) {
                JsonNode t = tagArray.get(i);
                if (!t.isString() || t.stringValue().isEmpty() || t.stringValue().length() > 64) {
                    f.problem("tags[" + i + "]", "must be a string of 1 to 64 characters");
                } else if (seen.add(t.stringValue())) {
                    tags.add(t.stringValue());
                }
            }
        }
        String base = fingerprint(f, root, "baseFingerprint");
        String probe = fingerprint(f, root, "probeFingerprint");
        Long total = f.integer(root, "", "totalParameters", true, 1, Long.MAX_VALUE);
        Long trainable = f.integer(root, "", "trainableParameters", true, 0, Long.MAX_VALUE);
        if (total != null && trainable != null && trainable > total) {
            f.problem("trainableParameters", "must be <= totalParameters");
        }
        Double temperature = positive(f, root, "", "temperature");
        Map<String, String> config = new LinkedHashMap<>();
        JsonNode configNode = f.object(root, "", "config", false);
        if (configNode != null) {
            if (configNode.size() > 64) {
                f.problem("config", "must have at most 64 entries");
            } else {
                for (Map.Entry<String, JsonNode> e : configNode.properties()) {
                    String p = "config." + e.getKey();
                    if (e.getKey().isEmpty() || e.getKey().length() > 128) {
                        f.problem(p, "name must have 1 to 128 characters");
                    } else if (!e.getValue().isString() || e.getValue().stringValue().length() > 4096) {
                        f.problem(p, "must be a string of at most 4096 characters");
                    } else {
                        config.put(e.getKey(), e.getValue().stringValue());
                    }
                }
            }
        }
        Instant startedAt = f.time(root, "", "startedAt");
        if (f.hasProblems()) {
            throw ApiProblem.invalid(f.problems());
        }
        return new RunMetadata(name, method, List.copyOf(tags), base, probe, total, trainable,
                temperature == null ? 1.0 : temperature, config, startedAt == null ? now : startedAt);
    }

    /**
     * Parses a run-end body.
     *
     * @param root the body
     * @param runKey the run key from the path
     * @param now the time of receipt, the default end
     * @return the run end
     */
    RunEndData end(JsonNode root, String runKey, Instant now) {
        JsonFields f = new JsonFields();
        if (!f.requireObject(root, "body")) {
            throw ApiProblem.invalid(f.problems());
        }
        checkRunKey(f, root, "", runKey);
        String status = f.string(root, "", "status", true, 1, 16);
        if (status != null && !RunStatus.END_STATUSES.contains(status)) {
            f.problem("status", "must be one of " + String.join(", ", RunStatus.END_STATUSES));
        }
        Instant endedAt = f.time(root, "", "endedAt");
        if (f.hasProblems()) {
            throw ApiProblem.invalid(f.problems());
        }
        return new RunEndData(status, endedAt == null ? now : endedAt);
    }

    /**
     * Parses a checkpoint batch body.
     *
     * @param root the body
     * @param runKey the run key from the path
     * @param runTemperature the run's temperature, the default of each checkpoint
     * @param now the time of receipt, the default measurement time
     * @return the checkpoints in upload order
     */
    List<CheckpointData> batch(JsonNode root, String runKey, double runTemperature, Instant now) {
        JsonFields f = new JsonFields();
        if (!f.requireObject(root, "body")) {
            throw ApiProblem.invalid(f.problems());
        }
        JsonNode array = f.array(root, "", "checkpoints");
        if (array == null) {
            if (!f.hasProblems()) {
                f.problem("checkpoints", "is required");
            }
            throw ApiProblem.invalid(f.problems());
        }
        if (array.size() == 0) {
            throw ApiProblem.invalid("checkpoints", "must contain at least one checkpoint");
        }
        tooMany("checkpoints", array.size(), limits.maxCheckpoints());
        List<CheckpointData> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            CheckpointData c = checkpoint(f, array.get(i), "checkpoints[" + i + "]", runKey, runTemperature, now);
            if (c != null) {
                out.add(c);
            }
        }
        if (f.hasProblems()) {
            throw ApiProblem.invalid(f.problems());
        }
        return out;
    }

    private CheckpointData checkpoint(JsonFields f, JsonNode c, String p, String runKey, double runTemperature,
            Instant now) {
        if (!f.requireObject(c, p)) {
            return null;
        }
        checkRunKey(f, c, p, runKey);
        JsonNode slicesNode = f.array(c, p, "slices");
        JsonNode topNode = f.array(c, p, "topExamples");
        JsonNode paramsNode = f.object(c, p, "parameters", false);
        JsonNode tensorsNode = paramsNode == null ? null : f.array(paramsNode, p + ".parameters", "tensors");
        tooMany(p + ".slices", slicesNode == null ? 0 : slicesNode.size(), limits.maxSlices());
        tooMany(p + ".topExamples", topNode == null ? 0 : topNode.size(), limits.maxTopExamples());
        tooMany(p + ".parameters.tensors", tensorsNode == null ? 0 : tensorsNode.size(), limits.maxTensors());

        Long step = f.integer(c, p, "step", true, 0, PgLimits.MAX_STEP);
        Long epoch = f.integer(c, p, "epoch", false, 0, Integer.MAX_VALUE);
        Instant time = f.time(c, p, "time");
        Boolean validFlag = f.bool(c, p, "valid");
        boolean valid = validFlag == null || validFlag;
        String invalidReason = f.string(c, p, "invalidReason", !valid, 1, 1000);
        String approximation = f.string(c, p, "approximation", false, 1, 32);
        if (approximation != null && !APPROXIMATION.matcher(approximation).matches()) {
            f.problem(JsonFields.path(p, "approximation"), "must be exact or topk(k)");
        }
        Double temperature = positive(f, c, p, "temperature");
        Long probeCount = f.integer(c, p, "probeCount", true, valid ? 1 : 0, Integer.MAX_VALUE);
        Map<String, Summary> metrics = metrics(f, f.object(c, p, "metrics", valid), JsonFields.path(p, "metrics"));
        if (valid && metrics != null && !metrics.containsKey(CheckpointData.HEADLINE)
                && JsonFields.get(c, "metrics") != null && JsonFields.get(c, "metrics").isObject()) {
            f.problem(JsonFields.path(p, "metrics." + CheckpointData.HEADLINE), "is required when valid");
        }
        List<CheckpointData.Slice> slices = slices(f, slicesNode, JsonFields.path(p, "slices"));
        List<CheckpointData.TopExample> top = topExamples(f, topNode, JsonFields.path(p, "topExamples"));
        CheckpointData.Parameters parameters =
                paramsNode == null ? null : parameters(f, paramsNode, tensorsNode, JsonFields.path(p, "parameters"));
        Map<String, Double> taskMetrics = taskMetrics(f, f.object(c, p, "taskMetrics", false),
                JsonFields.path(p, "taskMetrics"));
        if (step == null || probeCount == null || f.hasProblems()) {
            return null;
        }
        return new CheckpointData(step, epoch == null ? 0 : epoch.intValue(), time == null ? now : time, valid,
                invalidReason, approximation == null ? "exact" : approximation,
                temperature == null ? runTemperature : temperature, probeCount.intValue(),
                metrics == null ? Map.of() : metrics, slices, top, parameters, taskMetrics);
    }

    private Map<String, Summary> metrics(JsonFields f, JsonNode node, String p) {
        if (node == null) {
            return null;
        }
        Map<String, Summary> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String mp = p + "." + e.getKey();
            if (!METRICS.contains(e.getKey())) {
                f.problem(mp, "is not a known metric (" + String.join(", ", METRICS) + ")");
                continue;
            }
            Summary s = summary(f, e.getValue(), mp, e.getKey());
            if (s != null) {
                out.put(e.getKey(), s);
            }
        }
        return out;
    }

    private Summary summary(JsonFields f, JsonNode n, String p, String metric) {
        if (!f.requireObject(n, p)) {
            return null;
        }
        Long count = f.integer(n, p, "count", true, 1, PgLimits.MAX_INT_COLUMN);
        String[] names = {"mean", "p50", "p90", "p99", "max", "ciLow", "ciHigh"};
        double[] v = new double[names.length];
        boolean ok = count != null;
        for (int i = 0; i < names.length; i++) {
            Double d = f.number(n, p, names[i], true);
            if (d == null) {
                ok = false;
                continue;
            }
            v[i] = d;
            String range = range(metric, d);
            if (range != null) {
                f.problem(p + "." + names[i], range);
                ok = false;
            }
        }
        if (!ok) {
            return null;
        }
        Summary s = new Summary(count, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        if (!leq(s.p50(), s.p90()) || !leq(s.p90(), s.p99()) || !leq(s.p99(), s.max())) {
            f.problem(p + ".p50", "must satisfy p50 <= p90 <= p99 <= max");
            return null;
        }
        if (!leq(s.ciLow(), s.mean()) || !leq(s.mean(), s.ciHigh())) {
            f.problem(p + ".ciLow", "must satisfy ciLow <= mean <= ciHigh");
            return null;
        }
        return s;
    }

    /** Returns the range violation of a metric's value, or null when it is in range. */
    private static String range(String metric, double v) {
        if ((metric.startsWith("kl_") || metric.equals("js")) && v < 0) {
            return "must be a finite number >= 0";
        }
        if (metric.equals("js") && v > LN2 * (1 + SLACK)) {
            return "must be <= ln 2";
        }
        if ((metric.equals("tv") || metric.equals("top1_agree")) && (v < 0 || v > 1 + SLACK)) {
            return "must be in [0, 1]";
        }
        if (metric.startsWith("entropy_") && v < 0) {
            return "must be a finite number >= 0";
        }
        return null;
    }

    private static boolean leq(double a, double b) {
        return a <= b + SLACK * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
    }

    private List<CheckpointData.Slice> slices(JsonFields f, JsonNode array, String p) {
        List<CheckpointData.Slice> out = new ArrayList<>();
        if (array == null) {
            return out;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String sp = p + "[" + i + "]";
            JsonNode s = array.get(i);
            if (!f.requireObject(s, sp)) {
                continue;
            }
            String name = f.string(s, sp, "slice", true, 1, 128);
            if (name != null && !seen.add(name)) {
                f.problem(sp + ".slice", "must be unique within the checkpoint");
            }
            Long count = f.integer(s, sp, "count", true, 1, PgLimits.MAX_INT_COLUMN);
            Map<String, Summary> metrics = metrics(f, f.object(s, sp, "metrics", true), sp + ".metrics");
            if (name != null && count != null && metrics != null) {
                out.add(new CheckpointData.Slice(name, count, metrics));
            }
        }
        return out;
    }

    private List<CheckpointData.TopExample> topExamples(JsonFields f, JsonNode array, String p) {
        List<CheckpointData.TopExample> out = new ArrayList<>();
        if (array == null) {
            return out;
        }
        for (int i = 0; i < array.size(); i++) {
            String tp = p + "[" + i + "]";
            JsonNode t = array.get(i);
            if (!f.requireObject(t, tp)) {
                continue;
            }
            String probeId = f.string(t, tp, "probeId", true, 1, 256);
            String slice = f.string(t, tp, "slice", true, 1, 128);
            String metric = f.string(t, tp, "metric", true, 1, 32);
            if (metric != null && !METRICS.contains(metric)) {
                f.problem(tp + ".metric", "is not a known metric");
            }
            Double value = f.number(t, tp, "value", true);
            if (probeId != null && slice != null && metric != null && value != null) {
                out.add(new CheckpointData.TopExample(probeId, slice, metric, value));
            }
        }
        return out;
    }

    private CheckpointData.Parameters parameters(JsonFields f, JsonNode n, JsonNode tensorsNode, String p) {
        Long total = f.integer(n, p, "totalParameters", true, 1, Long.MAX_VALUE);
        Long trainable = f.integer(n, p, "trainableParameters", true, 0, Long.MAX_VALUE);
        if (total != null && trainable != null && trainable > total) {
            f.problem(p + ".trainableParameters", "must be <= totalParameters");
        }
        Double fraction = f.number(n, p, "trainableFraction", true);
        if (fraction != null && (fraction < 0 || fraction > 1)) {
            f.problem(p + ".trainableFraction", "must be in [0, 1]");
        }
        Double global = nonNegative(f, n, p, "globalRelativeL2");
        List<CheckpointData.Tensor> tensors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; tensorsNode != null && i < tensorsNode.size(); i++) {
            String tp = p + ".tensors[" + i + "]";
            JsonNode t = tensorsNode.get(i);
            if (!f.requireObject(t, tp)) {
                continue;
            }
            String name = f.string(t, tp, "name", true, 1, 512);
            if (name != null && !seen.add(name)) {
                f.problem(tp + ".name", "must be unique within the checkpoint");
            }
            Boolean trainableFlag = f.bool(t, tp, "trainable");
            Boolean buffer = f.bool(t, tp, "buffer");
            if (JsonFields.get(t, "trainable") == null) {
                f.problem(tp + ".trainable", "is required");
            }
            if (JsonFields.get(t, "buffer") == null) {
                f.problem(tp + ".buffer", "is required");
            }
            Long size = f.integer(t, tp, "size", true, 1, Long.MAX_VALUE);
            Double delta = nonNegative(f, t, tp, "deltaL2");
            Double baseL2 = nonNegative(f, t, tp, "baseL2");
            Double relative = nonNegative(f, t, tp, "relative");
            Double stableRank = f.number(t, tp, "stableRank", false);
            if (stableRank != null && stableRank < 1 - SLACK) {
                f.problem(tp + ".stableRank", "must be >= 1");
            }
            if (name != null && trainableFlag != null && buffer != null && size != null && delta != null
                    && baseL2 != null && relative != null) {
                tensors.add(new CheckpointData.Tensor(name, trainableFlag, buffer, size, delta, baseL2, relative,
                        stableRank));
            }
        }
        if (total == null || trainable == null || fraction == null || global == null) {
            return null;
        }
        return new CheckpointData.Parameters(total, trainable, fraction, global, tensors);
    }

    private Map<String, Double> taskMetrics(JsonFields f, JsonNode n, String p) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (n == null) {
            return out;
        }
        if (n.size() > 64) {
            f.problem(p, "must have at most 64 entries");
            return out;
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            String mp = p + "." + e.getKey();
            if (e.getKey().isEmpty() || e.getKey().length() > 64) {
                f.problem(mp, "name must have 1 to 64 characters");
                continue;
            }
            Double v = f.finite(e.getValue(), mp);
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    private static Double nonNegative(JsonFields f, JsonNode n, String p, String field) {
        Double v = f.number(n, p, field, true);
        if (v != null && v < 0) {
            f.problem(JsonFields.path(p, field), "must be a finite number >= 0");
            return null;
        }
        return v;
    }

    private static Double positive(JsonFields f, JsonNode n, String p, String field) {
        Double v = f.number(n, p, field, false);
        if (v != null && v <= 0) {
            f.problem(JsonFields.path(p, field), "must be a finite number > 0");
            return null;
        }
        return v;
    }

    private static String fingerprint(JsonFields f, JsonNode root, String field) {
        String v = f.string(root, "", field, true, 64, 64);
        if (v != null && !FINGERPRINT.matcher(v).matches()) {
            f.problem(field, "must be 64 lower-case hex characters (SHA-256)");
            return null;
        }
        return v;
    }

    private static void checkRunKey(JsonFields f, JsonNode object, String parent, String runKey) {
        String inBody = f.string(object, parent, "runKey", false, 1, 128);
        if (inBody != null && !inBody.equals(runKey)) {
            f.problem(JsonFields.path(parent, "runKey"), "must equal the run key of the path");
        }
    }

    private static void tooMany(String field, int size, int limit) {
        if (size > limit) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, "too-many-items", "Too many items",
                    field + " has " + size + " items, more than the limit of " + limit,
                    List.of(new ApiProblem.FieldProblem(field, "must have at most " + limit + " items")));
        }
    }
}
