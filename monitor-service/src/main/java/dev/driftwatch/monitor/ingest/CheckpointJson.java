package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.contract.WireJson;
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
     * Encodes summaries keyed by metric. Written by hand rather than through a mapper: it runs for
     * every checkpoint and slice on the ingest path.
     *
     * @param metrics the summaries
     * @return the jsonb text
     */
    public static String metrics(Map<String, MetricSummary> metrics) {
        return appendMetrics(new StringBuilder(96 * metrics.size() + 2), metrics).toString();
    }

    private static StringBuilder appendMetrics(StringBuilder sb, Map<String, MetricSummary> metrics) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, MetricSummary> e : metrics.entrySet()) {
            MetricSummary s = e.getValue();
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.getKey()).append(":[").append(s.count()).append(',').append(s.mean()).append(',')
                    .append(s.p50()).append(',').append(s.p90()).append(',').append(s.p99()).append(',')
                    .append(s.max()).append(',').append(s.ciLow()).append(',').append(s.ciHigh());
            if (s.tailIndex() != null || s.samplingStdError() != null) {
                // the diagnostics after the eight values the queries index, null when absent
                sb.append(',').append(s.tailIndex()).append(',').append(s.samplingStdError());
            }
            sb.append(']');
        }
        return sb.append('}');
    }

    /**
     * Encodes slices in upload order.
     *
     * @param slices the slices
     * @return the jsonb text
     */
    public static String slices(List<SliceSummary> slices) {
        StringBuilder sb = new StringBuilder(256 * slices.size() + 2).append('[');
        for (int i = 0; i < slices.size(); i++) {
            SliceSummary s = slices.get(i);
            sb.append(i > 0 ? ",{\"slice\":" : "{\"slice\":");
            string(sb, s.slice()).append(",\"count\":").append(s.count()).append(",\"metrics\":");
            appendMetrics(sb, s.metrics()).append('}');
        }
        return sb.append(']').toString();
    }

    /**
     * Encodes top examples in upload order.
     *
     * @param top the examples
     * @return the jsonb text
     */
    public static String topExamples(List<TopExample> top) {
        StringBuilder sb = new StringBuilder(96 * top.size() + 2).append('[');
        for (int i = 0; i < top.size(); i++) {
            TopExample t = top.get(i);
            sb.append(i > 0 ? ",{\"probeId\":" : "{\"probeId\":");
            string(sb, t.probeId()).append(",\"slice\":");
            string(sb, t.slice()).append(",\"metric\":");
            string(sb, t.metric()).append(",\"value\":").append(t.value());
            if (t.tokens() != null) {
                sb.append(",\"tokens\":").append(WireJson.write(WireJson.toMap(t.tokens())));
            }
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    /**
     * Encodes task metrics.
     *
     * @param taskMetrics name to value
     * @return the jsonb text
     */
    public static String taskMetrics(Map<String, Double> taskMetrics) {
        StringBuilder sb = new StringBuilder(32 * taskMetrics.size() + 2).append('{');
        boolean first = true;
        for (Map.Entry<String, Double> e : taskMetrics.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.getKey()).append(':').append(e.getValue().doubleValue());
        }
        return sb.append('}').toString();
    }

    /** Appends a JSON string literal (RFC 8259 escaping). */
    private static StringBuilder string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"');
    }

    /**
     * Decodes stored summaries.
     *
     * @param json the jsonb text
     * @return summaries keyed by metric, in stored order
     */
    private static Double optional(JsonNode array, int index) {
        JsonNode v = array.get(index);
        return v == null || v.isNull() ? null : v.doubleValue();
    }

    public static Map<String, MetricSummary> readMetrics(String json) {
        return metricsOf(JSON.readTree(json));
    }

    private static Map<String, MetricSummary> metricsOf(JsonNode node) {
        Map<String, MetricSummary> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode a = e.getValue();
            out.put(e.getKey(), new MetricSummary(a.get(0).longValue(), a.get(1).doubleValue(), a.get(2).doubleValue(),
                    a.get(3).doubleValue(), a.get(4).doubleValue(), a.get(5).doubleValue(), a.get(6).doubleValue(),
                    a.get(7).doubleValue(), optional(a, 8), optional(a, 9)));
        }
        return out;
    }

    /**
     * Decodes stored slices.
     *
     * @param json the jsonb text
     * @return the slices
     */
    public static List<SliceSummary> readSlices(String json) {
        List<SliceSummary> out = new ArrayList<>();
        for (JsonNode s : JSON.readTree(json)) {
            out.add(new SliceSummary(s.get("slice").stringValue(), s.get("count").longValue(),
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
    public static List<TopExample> readTopExamples(String json) {
        List<TopExample> out = new ArrayList<>();
        for (JsonNode t : JSON.readTree(json)) {
            JsonNode tokens = t.get("tokens");
            out.add(new TopExample(t.get("probeId").stringValue(), t.get("slice").stringValue(),
                    t.get("metric").stringValue(), t.get("value").doubleValue(),
                    tokens == null || tokens.isNull() ? null : WireJson.tokenDriftFromMap(WireJson.read(tokens.toString()))));
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
