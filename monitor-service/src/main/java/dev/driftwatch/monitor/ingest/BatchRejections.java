package dev.driftwatch.monitor.ingest;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Says which checkpoints of a refused batch were at fault: a 400 for a batch gets a {@code rejected}
 * list, one entry per bad checkpoint with its index in the batch, its step (when readable) and its
 * errors. Nothing of the batch is stored (all or nothing), so a client sets the listed checkpoints
 * aside and sends the others again; the trainer plugin does exactly that.
 */
final class BatchRejections {

    private static final Pattern INDEX = Pattern.compile("^checkpoints\\[(\\d+)]");

    /**
     * One refused checkpoint.
     *
     * @param index its position in the batch, from 0
     * @param step its step, or null when it has none that could be read
     * @param errors what is wrong with it
     */
    record Rejected(int index, Long step, List<FieldProblem> errors) {}

    private BatchRejections() {}

    /**
     * Adds the per-checkpoint list to a batch's problem.
     *
     * @param problem the problem
     * @param body the batch as parsed, or null
     * @return the problem with {@code rejected} when its errors name checkpoints, else unchanged
     */
    static ApiProblem annotate(ApiProblem problem, JsonNode body) {
        if (problem.getStatus().value() != 400) {
            return problem;
        }
        Map<Integer, List<FieldProblem>> byIndex = new TreeMap<>();
        for (FieldProblem e : problem.getErrors()) {
            Matcher m = INDEX.matcher(e.field());
            if (!m.find()) {
                return problem; // a problem of the whole body: no checkpoint can be singled out
            }
            byIndex.computeIfAbsent(Integer.parseInt(m.group(1)), i -> new ArrayList<>()).add(e);
        }
        if (byIndex.isEmpty()) {
            return problem;
        }
        JsonNode array = body == null ? null : body.get("checkpoints");
        List<Rejected> rejected = new ArrayList<>(byIndex.size());
        byIndex.forEach((index, errors) -> {
            JsonNode step = array == null || !array.isArray() ? null : array.path(index).get("step");
            rejected.add(new Rejected(index, step != null && step.canConvertToLong() ? step.longValue() : null,
                    errors));
        });
        int total = array != null && array.isArray() ? array.size() : rejected.size();
        return problem.with(rejected.size() + " of " + total + " checkpoint(s) rejected, nothing stored; "
                + "send the others again without them (first: " + problem.getMessage() + ")", "rejected", rejected);
    }
}
