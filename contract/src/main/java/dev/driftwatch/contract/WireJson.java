package dev.driftwatch.contract;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one JSON mapping of the wire records: the ingestion API's wire format and the JSON-lines
 * file format (one {@link #toLine line} per record, tagged with {@code "type"}).
 *
 * <p>Field names are camelCase and match {@code docs/api/ingestion.md}; nulls are left out. Metrics
 * are written known ones first in {@link Metric} order, then unknown ones in their given order.
 */
public final class WireJson {

    private static final JSON JSON_MAPPER = JSON.std;

    private WireJson() {}

    /**
     * Serialises a map tree (as built by the {@code toMap} methods) to compact JSON.
     *
     * @param tree maps, lists, strings, numbers and booleans
     * @return the JSON text
     */
    public static String write(Object tree) {
        try {
            return JSON_MAPPER.asString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses a JSON object.
     *
     * @param json the text
     * @return the object as a map tree
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public static Map<String, Object> read(String json) {
        try {
            return JSON_MAPPER.mapFrom(json);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
        }
    }

    // ---- records -> map trees -------------------------------------------------------------------

    /**
     * Maps a run's metadata to its wire form.
     *
     * @param run the run
     * @return the JSON object as a map
     */
    public static Map<String, Object> toMap(RunInfo run) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runKey", run.runKey());
        put(m, "name", run.name());
        put(m, "method", run.method());
        m.put("tags", run.tags());
        put(m, "baseFingerprint", run.baseFingerprint());
        put(m, "probeFingerprint", run.probeFingerprint());
        m.put("totalParameters", run.totalParameters());
        m.put("trainableParameters", run.trainableParameters());
        m.put("temperature", run.temperature());
        m.put("config", run.config());
        put(m, "startedAt", run.startedAt() == null ? null : run.startedAt().toString());
        return m;
    }

    /**
     * Maps a checkpoint to its wire form.
     *
     * @param c the checkpoint
     * @return the JSON object as a map
     */
    public static Map<String, Object> toMap(CheckpointReport c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runKey", c.runKey());
        m.put("step", c.step());
        m.put("epoch", c.epoch());
        put(m, "time", c.time() == null ? null : c.time().toString());
        m.put("valid", c.valid());
        put(m, "invalidReason", c.invalidReason());
        put(m, "approximation", c.approximation());
        m.put("temperature", c.temperature());
        m.put("probeCount", c.probeCount());
        m.put("metrics", metricsToMap(c.metrics()));
        List<Object> slices = new ArrayList<>();
        for (SliceSummary s : c.slices()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("slice", s.slice());
            sm.put("count", s.count());
            sm.put("metrics", metricsToMap(s.metrics()));
            slices.add(sm);
        }
        m.put("slices", slices);
        List<Object> top = new ArrayList<>();
        for (TopExample t : c.topExamples()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("probeId", t.probeId());
            tm.put("slice", t.slice());
            tm.put("metric", t.metric());
            tm.put("value", t.value());
            if (t.tokens() != null) {
                tm.put("tokens", toMap(t.tokens()));
            }
            top.add(tm);
        }
        m.put("topExamples", top);
        if (c.parameters() != null) {
            m.put("parameters", toMap(c.parameters()));
        }
        m.put("taskMetrics", c.taskMetrics());
        return m;
    }

    /**
     * Maps a top example's per-token drift to its wire form (a base probability unknown under a top-k
     * base, NaN in the record, is null on the wire).
     *
     * @param d the per-token drift
     * @return the JSON object as a map
     */
    public static Map<String, Object> toMap(TokenDrift d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", d.tokens());
        m.put("kl", d.kl());
        List<Object> worst = new ArrayList<>();
        for (TokenDrift.Position p : d.worst()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("index", p.index());
            pm.put("kl", p.kl());
            pm.put("base", choicesToList(p.base()));
            pm.put("fineTuned", choicesToList(p.fineTuned()));
            worst.add(pm);
        }
        m.put("worst", worst);
        return m;
    }

    private static List<Object> choicesToList(List<TokenDrift.Choice> choices) {
        List<Object> out = new ArrayList<>();
        for (TokenDrift.Choice c : choices) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("token", c.token());
            cm.put("base", Double.isNaN(c.base()) ? null : c.base());
            cm.put("fineTuned", c.fineTuned());
            out.add(cm);
        }
        return out;
    }

    /**
     * Reads a top example's per-token drift from its wire form.
     *
     * @param m the JSON object
     * @return the per-token drift
     */
    public static TokenDrift tokenDriftFromMap(Map<String, Object> m) {
        List<String> tokens = new ArrayList<>();
        list(m.get("tokens")).forEach(t -> tokens.add(String.valueOf(t)));
        List<Double> kl = new ArrayList<>();
        list(m.get("kl")).forEach(v -> kl.add(v == null ? null : ((Number) v).doubleValue()));
        List<TokenDrift.Position> worst = new ArrayList<>();
        for (Object o : list(m.get("worst"))) {
            Map<String, Object> pm = map(o);
            worst.add(new TokenDrift.Position((int) lng(pm, "index"), dbl(pm, "kl", 0),
                    choicesFromList(pm.get("base")), choicesFromList(pm.get("fineTuned"))));
        }
        return new TokenDrift(tokens, kl, worst);
    }

    private static List<TokenDrift.Choice> choicesFromList(Object o) {
        List<TokenDrift.Choice> out = new ArrayList<>();
        for (Object c : list(o)) {
            Map<String, Object> cm = map(c);
            out.add(new TokenDrift.Choice(str(cm, "token"), dbl(cm, "base", Double.NaN), dbl(cm, "fineTuned", 0)));
        }
        return out;
    }

    /**
     * Maps a run end to its wire form.
     *
     * @param end the run end
     * @return the JSON object as a map
     */
    public static Map<String, Object> toMap(RunEnd end) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runKey", end.runKey());
        m.put("status", end.status());
        put(m, "endedAt", end.endedAt() == null ? null : end.endedAt().toString());
        return m;
    }

    private static Map<String, Object> toMap(ParameterDrift p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("totalParameters", p.totalParameters());
        m.put("trainableParameters", p.trainableParameters());
        m.put("trainableFraction", p.trainableFraction());
        m.put("globalRelativeL2", p.globalRelativeL2());
        List<Object> tensors = new ArrayList<>();
        for (TensorDrift t : p.tensors()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("name", t.name());
            tm.put("trainable", t.trainable());
            tm.put("buffer", t.buffer());
            tm.put("size", t.size());
            tm.put("deltaL2", t.deltaL2());
            tm.put("baseL2", t.baseL2());
            tm.put("relative", t.relative());
            put(tm, "stableRank", t.stableRank());
            tensors.add(tm);
        }
        m.put("tensors", tensors);
        return m;
    }

    private static Map<String, Object> metricsToMap(Map<String, MetricSummary> metrics) {
        Map<String, Object> out = new LinkedHashMap<>();
        metrics.forEach((name, s) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", s.count());
            for (Statistic stat : Statistic.values()) {
                m.put(stat.wireName(), stat.of(s));
            }
            if (s.tailIndex() != null && Double.isFinite(s.tailIndex())) {
                m.put("tailIndex", s.tailIndex());
            }
            if (s.samplingStdError() != null) {
                m.put("samplingStdError", s.samplingStdError());
            }
            out.put(name, m);
        });
        return out;
    }

    /**
     * Copies a map keyed by metric wire name into an unmodifiable map ordered known metrics first (in
     * {@link Metric} order), then unknown ones in their given order.
     */
    static <V> Map<String, V> orderedCopy(Map<String, V> byMetric) {
        Map<String, V> out = new LinkedHashMap<>();
        for (Metric metric : Metric.values()) {
            V v = byMetric.get(metric.wireName());
            if (v != null) {
                out.put(metric.wireName(), v);
            }
        }
        byMetric.forEach((name, v) -> {
            if (Metric.byName(Objects.requireNonNull(name)).isEmpty()) {
                out.put(name, Objects.requireNonNull(v));
            }
        });
        return Collections.unmodifiableMap(out);
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    // ---- JSON-lines ------------------------------------------------------------------------------

    /**
     * Writes one JSON-lines record: the wire form plus a {@code "type"} tag, without a newline.
     *
     * @param record the record
     * @return the line
     */
    public static String toLine(WireRecord record) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", record.type());
        m.putAll(toMap(record));
        return write(m);
    }

    /**
     * Maps any wire record to its wire form (without the JSON-lines {@code "type"} tag).
     *
     * @param record the record
     * @return the JSON object as a map
     */
    public static Map<String, Object> toMap(WireRecord record) {
        if (record instanceof RunInfo r) {
            return toMap(r);
        }
        if (record instanceof CheckpointReport c) {
            return toMap(c);
        }
        return toMap((RunEnd) record); // the hierarchy is sealed: nothing else is a WireRecord
    }

    /**
     * Reads one JSON-lines record back.
     *
     * @param line a line written by {@link #toLine}
     * @return the record
     * @throws IllegalArgumentException when the line is not a wire record
     */
    public static WireRecord fromLine(String line) {
        Map<String, Object> m = read(line);
        Object type = m.get("type");
        if (RunInfo.TYPE.equals(type)) {
            return runFromMap(m);
        } else if (CheckpointReport.TYPE.equals(type)) {
            return checkpointFromMap(m);
        } else if (RunEnd.TYPE.equals(type)) {
            return endFromMap(m);
        }
        throw new IllegalArgumentException("unknown record type: " + type);
    }

    // ---- map trees -> records --------------------------------------------------------------------

    /**
     * Reads a run from its wire form.
     *
     * @param m the JSON object
     * @return the run
     */
    public static RunInfo runFromMap(Map<String, Object> m) {
        return new RunInfo(
                str(m, "runKey"),
                str(m, "name"),
                str(m, "method"),
                strings(m.get("tags")),
                str(m, "baseFingerprint"),
                str(m, "probeFingerprint"),
                lng(m, "totalParameters"),
                lng(m, "trainableParameters"),
                dbl(m, "temperature", 1.0),
                stringMap(m.get("config")),
                instant(m, "startedAt"));
    }

    /**
     * Reads a checkpoint from its wire form.
     *
     * @param m the JSON object
     * @return the checkpoint
     */
    public static CheckpointReport checkpointFromMap(Map<String, Object> m) {
        List<SliceSummary> slices = new ArrayList<>();
        for (Object o : list(m.get("slices"))) {
            Map<String, Object> sm = map(o);
            slices.add(new SliceSummary(str(sm, "slice"), lng(sm, "count"), metricsFromMap(sm.get("metrics"))));
        }
        List<TopExample> top = new ArrayList<>();
        for (Object o : list(m.get("topExamples"))) {
            Map<String, Object> tm = map(o);
            top.add(new TopExample(str(tm, "probeId"), str(tm, "slice"), str(tm, "metric"), dbl(tm, "value", 0),
                    tm.get("tokens") == null ? null : tokenDriftFromMap(map(tm.get("tokens")))));
        }
        ParameterDrift params = null;
        if (m.get("parameters") != null) {
            Map<String, Object> pm = map(m.get("parameters"));
            List<TensorDrift> tensors = new ArrayList<>();
            for (Object o : list(pm.get("tensors"))) {
                Map<String, Object> tm = map(o);
                Object sr = tm.get("stableRank");
                tensors.add(new TensorDrift(
                        str(tm, "name"),
                        Boolean.TRUE.equals(tm.get("trainable")),
                        Boolean.TRUE.equals(tm.get("buffer")),
                        lng(tm, "size"),
                        dbl(tm, "deltaL2", 0),
                        dbl(tm, "baseL2", 0),
                        dbl(tm, "relative", 0),
                        sr == null ? null : ((Number) sr).doubleValue()));
            }
            params = new ParameterDrift(
                    lng(pm, "totalParameters"),
                    lng(pm, "trainableParameters"),
                    dbl(pm, "trainableFraction", 0),
                    dbl(pm, "globalRelativeL2", 0),
                    tensors);
        }
        Map<String, Double> task = new LinkedHashMap<>();
        if (m.get("taskMetrics") != null) {
            map(m.get("taskMetrics")).forEach((k, v) -> task.put(k, ((Number) v).doubleValue()));
        }
        return new CheckpointReport(
                str(m, "runKey"),
                lng(m, "step"),
                (int) lng(m, "epoch"),
                instant(m, "time"),
                !Boolean.FALSE.equals(m.get("valid")),
                str(m, "invalidReason"),
                str(m, "approximation"),
                dbl(m, "temperature", 1.0),
                (int) lng(m, "probeCount"),
                metricsFromMap(m.get("metrics")),
                slices,
                top,
                params,
                task);
    }

    /**
     * Reads a run end from its wire form.
     *
     * @param m the JSON object
     * @return the run end
     */
    public static RunEnd endFromMap(Map<String, Object> m) {
        return new RunEnd(str(m, "runKey"), str(m, "status"), instant(m, "endedAt"));
    }

    private static Map<String, MetricSummary> metricsFromMap(Object o) {
        Map<String, MetricSummary> out = new LinkedHashMap<>();
        if (o == null) {
            return out;
        }
        map(o).forEach((name, v) -> {
            Map<String, Object> s = map(v);
            out.put(name, new MetricSummary(
                    lng(s, "count"),
                    dbl(s, "mean", 0),
                    dbl(s, "p50", 0),
                    dbl(s, "p90", 0),
                    dbl(s, "p99", 0),
                    dbl(s, "max", 0),
                    dbl(s, "ciLow", 0),
                    dbl(s, "ciHigh", 0),
                    optionalDbl(s, "tailIndex"),
                    optionalDbl(s, "samplingStdError")));
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("expected a JSON object, got " + o);
    }

    private static List<?> list(Object o) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException("expected a JSON array, got " + o);
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object e : list(o)) {
            out.add(String.valueOf(e));
        }
        return out;
    }

    private static Map<String, String> stringMap(Object o) {
        Map<String, String> out = new LinkedHashMap<>();
        if (o != null) {
            map(o).forEach((k, v) -> out.put(k, String.valueOf(v)));
        }
        return out;
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : v.toString();
    }

    private static long lng(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? 0L : ((Number) v).longValue();
    }

    private static Double optionalDbl(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : ((Number) v).doubleValue();
    }

    private static double dbl(Map<String, Object> m, String key, double orElse) {
        Object v = m.get(key);
        return v == null ? orElse : ((Number) v).doubleValue();
    }

    private static Instant instant(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : Instant.parse(v.toString());
    }
}
