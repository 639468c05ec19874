package dev.driftwatch.monitor.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The compact JSON stored in a checkpoint's jsonb columns, written on ingest and read by queries.
 * A summary is an array {@code [count, mean, p50, p90, p99, max, ciLow, ciHigh]} keyed by metric, so
 * a checkpoint's 9 metrics x 8 numbers cost no repeated field names.
 */
public final class CheckpointJson {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private CheckpointJson() {}

    /**
     * Encodes summaries keyed by metric.
     *
     * @param metrics the summaries
     * @return the jsonb text
     */
    public static String metrics(Map<String, Summary> metrics) {
        return JSON.writeValueAsString(metricsTree(metrics));
    }

    private static Map<String, Object> metricsTree(Map<String, Summary> metrics) {
        Map<String, Object> out = new LinkedHashMap<>();
        metrics.forEach((name, s) -> out.put(name,
                List.of(s.count(), s.mean(), s.p50(), s.p90(), s.p99(), s.max(), s.ciLow(), s.ciHigh())));
        return out;
    }

    /**
     * Encodes slices in upload order.
     *
     * @param slices the slices
     * @return the jsonb text
     */
    public static String slices(List<CheckpointData.Slice> slices) {
        List<Object> out = new ArrayList<>(slices.size());
        for (CheckpointData.Slice s : slices) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("slice", s.slice());
            m.put("count", s.count());
            m.put("metrics", metricsTree(s.metrics()));
            out.add(m);
        }
        return JSON.writeValueAsString(out);
    }

    /**
     * Encodes top examples in upload order.
     *
     * @param top the examples
     * @return the jsonb text
     */
    public static String topExamples(List<CheckpointData.TopExample> top) {
        return JSON.writeValueAsString(top);
    }

    /**
     * Encodes task metrics.
     *
     * @param taskMetrics name to value
     * @return the jsonb text
     */
    public static String taskMetrics(Map<String, Double> taskMetrics) {
        return JSON.writeValueAsString(taskMetrics);
    }

    /**
     * Decodes stored summaries.
     *
     * @param json the jsonb text
     * @return summaries keyed by metric, in stored order
     */
    public static Map<String, Summary> readMetrics(String json) {
        return metricsOf(JSON.readTree(json));
    }

    private static Map<String, Summary> metricsOf(JsonNode node) {
        Map<String, Summary> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode a = e.getValue();
            out.put(e.getKey(), new Summary(a.get(0).longValue(), a.get(1).doubleValue(), a.get(2).doubleValue(),
                    a.get(3).doubleValue(), a.get(4).doubleValue(), a.get(5).doubleValue(), a.get(6).doubleValue(),
                    a.get(7).doubleValue()));
        }
        return out;
    }

    /**
     * Decodes stored slices.
     *
     * @param json the jsonb text
     * @return the slices
     */
    public static List<CheckpointData.Slice> readSlices(String json) {
        List<CheckpointData.Slice> out = new ArrayList<>();
        for (JsonNode s : JSON.readTree(json)) {
            out.add(new CheckpointData.Slice(s.get("slice").stringValue(), s.get("count").longValue(),
                    metricsOf(s.get("metrics"))));
        }
        return out;
    }

    /**
     * Decodes stored top examples.
     *
     * @param json the jsonb text
     * @return the examples
     */
    public static List<CheckpointData.TopExample> readTopExamples(String json) {
        List<CheckpointData.TopExample> out = new ArrayList<>();
        for (JsonNode t : JSON.readTree(json)) {
            out.add(new CheckpointData.TopExample(t.get("probeId").stringValue(), t.get("slice").stringValue(),
                    t.get("metric").stringValue(), t.get("value").doubleValue()));
        }
        return out;
    }

    /**
     * Decodes stored task metrics.
     *
     * @param json the jsonb text
     * @return name to value
     */
    public static Map<String, Double> readTaskMetrics(String json) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : JSON.readTree(json).properties()) {
            out.put(e.getKey(), e.getValue().doubleValue());
        }
        return out;
    }
}
