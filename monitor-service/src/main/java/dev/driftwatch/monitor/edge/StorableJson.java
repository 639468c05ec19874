package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import dev.driftwatch.monitor.problem.JsonProblems;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Checks every property name and string value of a parsed JSON body with {@link PgLimits#textProblem},
 * so a NUL, a control character or a lone surrogate anywhere in any body is a 400 naming the field
 * (e.g. {@code checkpoints[0].parameters.tensors[3].name}) before a parser or the database sees it.
 * Every body of the API passes here: the ingestion reader calls {@link #check}, and
 * {@link StorableBodyAdvice} calls it for every {@code @RequestBody}.
 */
public final class StorableJson {

    /** Problems reported in one answer; the walk stops collecting after this many. */
    private static final int MAX_PROBLEMS = 100;

    private StorableJson() {}

    /**
     * Checks a JSON tree.
     *
     * @param root the body
     * @throws ApiProblem 400 naming every field at fault (up to {@value #MAX_PROBLEMS})
     */
    public static void check(JsonNode root) {
        List<FieldProblem> problems = new ArrayList<>();
        walk(root, "", problems);
        if (!problems.isEmpty()) {
            throw ApiProblem.invalid(problems);
        }
    }

    private static void walk(JsonNode node, String path, List<FieldProblem> problems) {
        if (problems.size() >= MAX_PROBLEMS || node == null) {
            return;
        }
        if (node.isString()) {
            String why = PgLimits.textProblem(node.stringValue());
            if (why != null) {
                problems.add(new FieldProblem(path.isEmpty() ? "body" : path, why));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", problems);
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String name = e.getKey();
                String why = PgLimits.textProblem(name);
                String child = path.isEmpty() ? JsonProblems.printable(name) : path + "." + JsonProblems.printable(name);
                if (why != null) {
                    problems.add(new FieldProblem(child, "name " + why));
                    continue;
                }
                walk(e.getValue(), child, problems);
            }
        }
    }
}
