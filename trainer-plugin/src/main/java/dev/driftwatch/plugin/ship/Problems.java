package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.WireJson;
import java.util.List;
import java.util.Map;

/** Summarises the service's error answers ({@code application/problem+json}, RFC 9457) on one line. */
final class Problems {

    private static final int MAX_RAW = 300;

    private Problems() {}

    /**
     * Reads the checkpoints a refused batch names as rejected ({@code rejected[].index} of the
     * service's problem, docs/api/ingestion.md).
     *
     * @param body the answer's body
     * @return the indices, in order; empty when the answer does not list them
     */
    static List<Integer> rejectedIndices(String body) {
        if (body == null || body.isBlank()) {
            return List.of();
        }
        try {
            if (!(WireJson.read(body).get("rejected") instanceof List<?> rejected)) {
                return List.of();
            }
            java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
            for (Object r : rejected) {
                if (!(r instanceof Map<?, ?> m) || !(m.get("index") instanceof Number n) || n.intValue() < 0) {
                    return List.of(); // not understood: fall back to sending one by one
                }
                out.add(n.intValue());
            }
            return List.copyOf(out);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    /**
     * Describes an error answer.
     *
     * @param status the HTTP status
     * @param body the body; a problem document when the service wrote it, anything otherwise
     * @return e.g. {@code 400 Invalid request: checkpoints[2].step must be >= 0}
     */
    static String describe(int status, String body) {
        StringBuilder sb = new StringBuilder().append(status);
        if (body == null || body.isBlank()) {
            return sb.append(" (no body)").toString();
        }
        Map<String, Object> problem;
        try {
            problem = WireJson.read(body);
        } catch (IllegalArgumentException e) {
            String raw = body.strip().replaceAll("\\s+", " ");
            return sb.append(' ').append(raw.length() > MAX_RAW ? raw.substring(0, MAX_RAW) + "…" : raw).toString();
        }
        if (problem.get("title") != null) {
            sb.append(' ').append(problem.get("title"));
        }
        if (problem.get("detail") != null) {
            sb.append(": ").append(problem.get("detail"));
        }
        if (problem.get("errors") instanceof List<?> errors && errors.size() > 1) {
            sb.append(" (").append(errors.size()).append(" errors)");
        }
        return sb.toString();
    }
}
