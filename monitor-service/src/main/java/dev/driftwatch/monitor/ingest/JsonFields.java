package dev.driftwatch.monitor.ingest;

import dev.driftwatch.monitor.edge.PgLimits;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads typed fields out of a JSON tree and collects every problem with the field's path, so one
 * answer names all fields at fault. Readers return a fallback value after recording a problem; the
 * caller rejects the request when {@link #hasProblems()}.
 */
final class JsonFields {

    /** Collected problems are capped so a huge broken batch does not produce a huge answer. */
    private static final int MAX_PROBLEMS = 100;

    private final List<FieldProblem> problems = new ArrayList<>();

    void problem(String field, String message) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(new FieldProblem(field, message));
        }
    }

    boolean hasProblems() {
        return !problems.isEmpty();
    }

    List<FieldProblem> problems() {
        return problems;
    }

    static String path(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    /** Returns the field, or null when absent or JSON null. */
    static JsonNode get(JsonNode object, String field) {
        JsonNode n = object.get(field);
        return n == null || n.isNull() ? null : n;
    }

    /** Returns the field, or null when absent (recording a problem when it is required). */
    private JsonNode present(JsonNode object, String parent, String field, boolean required) {
        JsonNode n = get(object, field);
        if (n == null && required) {
            problem(path(parent, field), "is required");
        }
        return n;
    }

    boolean requireObject(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            problem(path, node == null ? "is required" : "must be an object");
            return false;
        }
        return true;
    }

    String string(JsonNode object, String parent, String field, boolean required, int minLength, int maxLength) {
        JsonNode n = present(object, parent, field, required);
        if (n == null) {
            return null;
        }
        if (!n.isString()) {
            problem(path(parent, field), "must be a string");
            return null;
        }
        String s = n.stringValue();
        if (s.length() < minLength || s.length() > maxLength) {
            problem(path(parent, field), "must have " + minLength + " to " + maxLength + " characters");
            return null;
        }
        return s;
    }

    Long integer(JsonNode object, String parent, String field, boolean required, long min, long max) {
        JsonNode n = present(object, parent, field, required);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            problem(path(parent, field), "must be an integer");
            return null;
        }
        long v = n.longValue();
        if (v < min || v > max) {
            problem(path(parent, field), max == Long.MAX_VALUE ? "must be an integer >= " + min
                    : "must be an integer in [" + min + ", " + max + "]");
            return null;
        }
        return v;
    }

    /** Reads a finite number; {@code null} when absent (after recording a problem if required). */
    Double number(JsonNode object, String parent, String field, boolean required) {
        JsonNode n = present(object, parent, field, required);
        if (n == null) {
            return null;
        }
        return finite(n, parent, field);
    }

    Double finite(JsonNode n, String p) {
        return finite(n, p, null);
    }

    /** Reads a finite number at {@code parent.field} (or at {@code parent} when field is null). */
    private Double finite(JsonNode n, String parent, String field) {
        double v = n.isNumber() ? n.doubleValue() : Double.NaN;
        if (!Double.isFinite(v)) {
            problem(field == null ? parent : path(parent, field), "must be a finite number");
            return null;
        }
        return v;
    }

    Boolean bool(JsonNode object, String parent, String field) {
        JsonNode n = get(object, field);
        if (n == null) {
            return null;
        }
        if (!n.isBoolean()) {
            problem(path(parent, field), "must be true or false");
            return null;
        }
        return n.booleanValue();
    }

    Instant time(JsonNode object, String parent, String field) {
        String s = string(object, parent, field, false, 1, 64);
        if (s == null) {
            return null;
        }
        try {
            Instant t = OffsetDateTime.parse(s).toInstant();
            if (!PgLimits.storableTime(t)) {
                problem(path(parent, field), PgLimits.TIME_RANGE);
                return null;
            }
            return t;
        } catch (DateTimeParseException e) {
            problem(path(parent, field), "must be an RFC 3339 time such as 2026-11-27T08:00:00Z");
            return null;
        }
    }

    /** Returns the array at {@code field}, or null (recording a problem when present but not an array). */
    JsonNode array(JsonNode object, String parent, String field) {
        JsonNode n = get(object, field);
        if (n != null && !n.isArray()) {
            problem(path(parent, field), "must be an array");
            return null;
        }
        return n;
    }

    /** Returns the object at {@code field}, or null (recording a problem when present but not an object). */
    JsonNode object(JsonNode object, String parent, String field, boolean required) {
        JsonNode n = present(object, parent, field, required);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            problem(path(parent, field), "must be an object");
            return null;
        }
        return n;
    }
}
