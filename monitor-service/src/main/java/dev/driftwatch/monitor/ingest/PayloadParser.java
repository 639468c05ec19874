package dev.driftwatch.monitor.ingest;

import dev.driftwatch.monitor.edge.PgLimits;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.RunStatus;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.monitor.problem.ApiProblem;
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
 * Validates ingestion bodies against docs/api/ingestion.md and turns them into the contract's wire
 * records. Every rule of the contract is checked here; a violation becomes a 400 naming the field (422
 * for too many items), before anything is written.
 *
 * <p>Metrics the contract knows ({@link Metric}) are checked against their range; a well-formed name
 * it does not know (from a newer plugin) is accepted and stored with the generic checks only (finite
 * numbers, {@code p50 <= p90 <= p99 <= max}, {@code ciLow <= mean <= ciHigh}).
 */
final class PayloadParser {

    /** The most metrics one summary map may carry, known and unknown together. */
    static final int MAX_METRICS = 64;

    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern APPROXIMATION = Pattern.compile("exact|topk\\([1-9][0-9]{0,8}\\)(\\+tail\\([1-9][0-9]{0,8}\\))?");
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
    RunInfo run(JsonNode root, String runKey, Instant now) {
        JsonFields f = new JsonFields();
        if (!f.requireObject(root, "body")) {
            throw ApiProblem.invalid(f.problems());
        }
        checkRunKey(f, root, "", runKey);
        String name = f.string(root, "", "name", true, 1, 200);
        String method = f.string(root, "", "method", true, 1, 16);
        if (method != null && !RunInfo.METHODS.contains(method)) {
            f.problem("method", "must be one of " + String.join(", ", RunInfo.METHODS));
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
        return new RunInfo(runKey, name, method, List.copyOf(tags), base, probe, total, trainable,
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
    RunEnd end(JsonNode root, String runKey, Instant now) {
        JsonFields f = new JsonFields();
        if (!f.requireObject(root, "body")) {
            throw ApiProblem.invalid(f.problems());
        }
        checkRunKey(f, root, "", runKey);
        String status = f.string(root, "", "status", true, 1, 16);
        if (status != null && !RunStatus.endWireNames().contains(status)) {
            f.problem("status", "must be one of " + String.join(", ", RunStatus.endWireNames()));
        }
        Instant endedAt = f.time(root, "", "endedAt");
        if (f.hasProblems()) {
            throw ApiProblem.invalid(f.problems());
        }
        return new RunEnd(runKey, status, endedAt == null ? now : endedAt);
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
    List<CheckpointReport> batch(JsonNode root, String runKey, double runTemperature, Instant now) {
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
        List<CheckpointReport> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            CheckpointReport c = checkpoint(f, array.get(i), "checkpoints[" + i + "]", runKey, runTemperature, now);
            if (c != null) {
                out.add(c);
            }
        }
        if (f.hasProblems()) {
            throw ApiProblem.invalid(f.problems());
        }
        return out;
    }

    private CheckpointReport checkpoint(JsonFields f, JsonNode c, String p, String runKey, double runTemperature,
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
            f.problem(JsonFields.path(p, "approximation"), "must be exact, topk(k) or topk(k)+tail(m)");
        }
        Double temperature = positive(f, c, p, "temperature");
        Long probeCount = f.integer(c, p, "probeCount", true, valid ? 1 : 0, Integer.MAX_VALUE);
        Map<String, MetricSummary> metrics = metrics(f, f.object(c, p, "metrics", valid), JsonFields.path(p, "metrics"));
        if (valid && metrics != null && !metrics.containsKey(Metric.HEADLINE.wireName())
                && JsonFields.get(c, "metrics") != null && JsonFields.get(c, "metrics").isObject()) {
            f.problem(JsonFields.path(p, "metrics." + Metric.HEADLINE.wireName()), "is required when valid");
        }
        List<SliceSummary> slices = slices(f, slicesNode, JsonFields.path(p, "slices"));
        List<TopExample> top = topExamples(f, topNode, JsonFields.path(p, "topExamples"));
        ParameterDrift parameters =
                paramsNode == null ? null : parameters(f, paramsNode, tensorsNode, JsonFields.path(p, "parameters"));
        Map<String, Double> taskMetrics = taskMetrics(f, f.object(c, p, "taskMetrics", false),
                JsonFields.path(p, "taskMetrics"));
        if (step == null || probeCount == null || f.hasProblems()) {
            return null;
        }
        return new CheckpointReport(runKey, step, epoch == null ? 0 : epoch.intValue(), time == null ? now : time, valid,
                invalidReason, approximation == null ? "exact" : approximation,
                temperature == null ? runTemperature : temperature, probeCount.intValue(),
                metrics == null ? Map.of() : metrics, slices, top, parameters, taskMetrics);
    }

    private Map<String, MetricSummary> metrics(JsonFields f, JsonNode node, String p) {
        if (node == null) {
            return null;
        }
        if (node.size() > MAX_METRICS) {
            f.problem(p, "must have at most " + MAX_METRICS + " metrics");
            return null;
        }
        Map<String, MetricSummary> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String mp = p + "." + e.getKey();
            if (!Metric.isWellFormed(e.getKey())) {
                f.problem(mp, "is not a metric name (" + Metric.NAME_RULE + ")");
                continue;
            }
            MetricSummary s = summary(f, e.getValue(), mp, Metric.byName(e.getKey()).orElse(null));
            if (s != null) {
                out.put(e.getKey(), s);
            }
        }
        return out;
    }

    /** Reads one summary; {@code metric} is null for a name the contract does not know (no range check). */
    private MetricSummary summary(JsonFields f, JsonNode n, String p, Metric metric) {
        if (!f.requireObject(n, p)) {
            return null;
        }
        Long count = f.integer(n, p, "count", true, 1, PgLimits.MAX_INT_COLUMN);
        Statistic[] stats = Statistic.values();
        double[] v = new double[stats.length];
        boolean ok = count != null;
        for (int i = 0; i < stats.length; i++) {
            Double d = f.number(n, p, stats[i].wireName(), true);
            if (d == null) {
                ok = false;
                continue;
            }
            v[i] = d;
            String range = metric == null ? null : metric.range().violation(d);
            if (range != null) {
                f.problem(p + "." + stats[i].wireName(), range);
                ok = false;
            }
        }
        if (!ok) {
            return null;
        }
        Double tailIndex = optionalNonNegative(f, n, p, "tailIndex");
        Double samplingStdError = optionalNonNegative(f, n, p, "samplingStdError");
        MetricSummary s = new MetricSummary(count, v[0], v[1], v[2], v[3], v[4], v[5], v[6], tailIndex,
                samplingStdError);
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

    /** An optional diagnostic number: absent, or finite and >= 0. */
    private static Double optionalNonNegative(JsonFields f, JsonNode n, String p, String field) {
        Double d = f.number(n, p, field, false);
        if (d != null && !(d >= 0)) {
            f.problem(p + "." + field, "must be >= 0");
            return null;
        }
        return d;
    }

    private static boolean leq(double a, double b) {
        return a <= b + SLACK * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
    }

    private List<SliceSummary> slices(JsonFields f, JsonNode array, String p) {
        List<SliceSummary> out = new ArrayList<>();
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
            Map<String, MetricSummary> metrics = metrics(f, f.object(s, sp, "metrics", true), sp + ".metrics");
            if (name != null && count != null && metrics != null) {
                out.add(new SliceSummary(name, count, metrics));
            }
        }
        return out;
    }

    private List<TopExample> topExamples(JsonFields f, JsonNode array, String p) {
        List<TopExample> out = new ArrayList<>();
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
            String metric = f.string(t, tp, "metric", true, 1, 64);
            if (metric != null && !Metric.isWellFormed(metric)) {
                f.problem(tp + ".metric", "is not a metric name (" + Metric.NAME_RULE + ")");
            }
            Double value = f.number(t, tp, "value", true);
            JsonNode tokensNode = JsonFields.get(t, "tokens");
            TokenDrift tokens = tokensNode == null ? null : TokenDriftParser.parse(f, tokensNode, tp + ".tokens");
            if (probeId != null && slice != null && metric != null && value != null) {
                out.add(new TopExample(probeId, slice, metric, value, tokens));
            }
        }
        return out;
    }

    private ParameterDrift parameters(JsonFields f, JsonNode n, JsonNode tensorsNode, String p) {
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
        List<TensorDrift> tensors = new ArrayList<>();
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
                tensors.add(new TensorDrift(name, trainableFlag, buffer, size, delta, baseL2, relative,
                        stableRank));
            }
        }
        if (total == null || trainable == null || fraction == null || global == null) {
            return null;
        }
        return new ParameterDrift(total, trainable, fraction, global, tensors);
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
