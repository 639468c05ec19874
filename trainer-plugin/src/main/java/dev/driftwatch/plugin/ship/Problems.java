package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.WireJson;
import java.util.List;
import java.util.Map;

/** Summarises the service's error answers ({@code application/problem+json}, RFC 9457) on one line. */
final class Problems {

    private static final int MAX_RAW = 300;

    private Problems() {}

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
