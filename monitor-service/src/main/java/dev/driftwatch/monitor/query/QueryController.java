package dev.driftwatch.monitor.query;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.monitor.edge.DecimalText;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.run.Run;
import dev.driftwatch.monitor.run.RunRepository;
import dev.driftwatch.monitor.run.RunView;
import dev.driftwatch.monitor.security.ProjectAccess;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The query API: runs, trajectories (downsampled on the server), slices, tensors, top examples,
 * comparisons and CSV export. Readable with a project's token or a logged-in UI session.
 */
@RestController
@RequestMapping(path = "/api/v1/projects/{project}", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "query", description = "Runs and their drift trajectories (token of the project or UI session)")
class QueryController {

    /** Most runs in one comparison. */
    static final int MAX_COMPARED = 20;

    private final ProjectAccess access;
    private final RunRepository runs;
    private final RunQueryService runQueries;
    private final TrajectoryService trajectories;
    private final CheckpointQueryService checkpoints;

    QueryController(ProjectAccess access, RunRepository runs, RunQueryService runQueries,
            TrajectoryService trajectories, CheckpointQueryService checkpoints) {
        this.access = access;
        this.runs = runs;
        this.runQueries = runQueries;
        this.trajectories = trajectories;
        this.checkpoints = checkpoints;
    }

    @GetMapping("/runs")
    @Operation(summary = "List runs with filters, sort and pagination")
    RunQueryService.RunPage listRuns(@PathVariable String project,
            @RequestParam(required = false) String tag,
            @RequestParam(required = false) String method,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) Boolean flagged,
            @RequestParam(required = false) String flag,
            @RequestParam(required = false) String baseFingerprint,
            @RequestParam(required = false) String probeFingerprint,
            @RequestParam(required = false) String q,
            @RequestParam(defaultValue = "started") RunQueryService.Sort sort,
            @RequestParam(required = false) Boolean ascending,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        Project p = access.require(project);
        return runQueries.list(p.getId(), new RunQueryService.RunFilter(tag, method, status, flagged, flag,
                baseFingerprint, probeFingerprint, q), sort, ascending, page, size);
    }

    @GetMapping("/runs/{runKey}")
    @Operation(summary = "One run with its summary and flags")
    RunView run(@PathVariable String project, @PathVariable String runKey) {
        return RunView.of(run(access.require(project), runKey));
    }

    @GetMapping("/runs/{runKey}/trajectory")
    @Operation(summary = "A metric over steps, downsampled to at most `points` keeping each bucket's first, "
            + "last, min and max")
    Trajectory trajectory(@PathVariable String project, @PathVariable String runKey,
            @RequestParam(defaultValue = "kl_base_ft") String metric,
            @RequestParam(required = false) String stat,
            @RequestParam(required = false) Long from,
            @RequestParam(required = false) Long to,
            @RequestParam(defaultValue = "" + TrajectoryService.DEFAULT_POINTS) int points,
            @Parameter(description = "include, for a distribution metric, each point's bootstrap 95% CI of the"
                    + " metric's mean (ciLow, ciHigh); false leaves them null and skips reading them, for speed")
            @RequestParam(defaultValue = "true") boolean ci) {
        Run r = run(access.require(project), runKey);
        MetricRef ref = MetricRef.parse(metric, stat);
        Trajectory t = trajectories.trajectory(r.getId(), runKey, ref, from, to, points, ci);
        if (!ref.known() && t.sourcePoints() > 0 && t.steps().length == 0) {
            // a name neither the contract nor this run knows is far more likely a typo than a metric
            throw ApiProblem.invalid("metric", "'" + ref.metric() + "' is not a metric of this service"
                    + " (docs/api/README.md#metrics) and no checkpoint of this run reports it");
        }
        return t;
    }

    @GetMapping("/runs/{runKey}/checkpoints/{step}")
    @Operation(summary = "One checkpoint as uploaded (wire form)")
    CheckpointReport checkpoint(@PathVariable String project, @PathVariable String runKey, @PathVariable long step) {
        return checkpoints.checkpoint(run(access.require(project), runKey).getId(), runKey, step);
    }

    @GetMapping("/runs/{runKey}/slices")
    @Operation(summary = "A distribution metric per probe slice over steps, downsampled per slice")
    CheckpointQueryService.SliceTrajectories slices(@PathVariable String project, @PathVariable String runKey,
            @RequestParam(defaultValue = "kl_base_ft") String metric,
            @RequestParam(required = false) String stat,
            @RequestParam(required = false) Long from,
            @RequestParam(required = false) Long to,
            @RequestParam(defaultValue = "" + TrajectoryService.DEFAULT_POINTS) int points) {
        Run r = run(access.require(project), runKey);
        return checkpoints.slices(r.getId(), MetricRef.parse(metric, stat), from, to, points);
    }

    @GetMapping("/runs/{runKey}/probe-plan")
    @Operation(summary = "Probes needed for a 95% interval of a chosen half-width, overall and per slice, "
            + "planned from a checkpoint (default: the latest valid one)")
    ProbePlan probePlan(@PathVariable String project, @PathVariable String runKey,
            @RequestParam(defaultValue = "kl_base_ft") String metric,
            @RequestParam String halfWidth,
            @RequestParam(required = false) Long step) {
        double wanted;
        try {
            wanted = DecimalText.parse(halfWidth);
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("halfWidth", "must be a positive number");
        }
        if (!(wanted > 0) || Double.isInfinite(wanted)) {
            throw ApiProblem.invalid("halfWidth", "must be a positive number");
        }
        Run r = run(access.require(project), runKey);
        CheckpointReport c = checkpoints.checkpoint(r.getId(), runKey,
                step != null ? step : checkpoints.latestValidStep(r.getId()));
        if (!c.valid() || !c.metrics().containsKey(metric)) {
            throw ApiProblem.invalid("metric", "'" + metric + "' is not measured at step " + c.step());
        }
        return ProbePlan.of(c, metric, wanted);
    }

    @GetMapping("/runs/{runKey}/tensors")
    @Operation(summary = "Parameter-tensor drift at a step (default: the latest step that has it)")
    CheckpointQueryService.TensorsAt tensors(@PathVariable String project, @PathVariable String runKey,
            @RequestParam(required = false) Long step) {
        Run r = run(access.require(project), runKey);
        return checkpoints.tensorsAt(r.getId(), step).orElseThrow(() -> ApiProblem.notFound(
                step == null ? "parameter drift of run '" + runKey + "'" : "parameter drift at step " + step));
    }

    @GetMapping("/runs/{runKey}/tensors/history")
    @Operation(summary = "Every tensor's drift over steps (a heatmap matrix)")
    CheckpointQueryService.TensorHistory tensorHistory(@PathVariable String project, @PathVariable String runKey,
            @RequestParam(defaultValue = "relative") String stat,
            @RequestParam(required = false) Long from,
            @RequestParam(required = false) Long to,
            @RequestParam(defaultValue = "200") int points) {
        Run r = run(access.require(project), runKey);
        return checkpoints.tensorHistory(r.getId(), stat, from, to, points);
    }

    @GetMapping("/runs/{runKey}/top-examples")
    @Operation(summary = "The most drifting probe examples at a step (default: the latest)")
    CheckpointQueryService.TopExamplesAt topExamples(@PathVariable String project, @PathVariable String runKey,
            @RequestParam(required = false) Long step) {
        return checkpoints.topExamples(run(access.require(project), runKey).getId(), step);
    }

    /**
     * A comparison of runs on one metric.
     *
     * @param metric the metric
     * @param stat the statistic
     * @param runs one trajectory per run, in the requested order
     */
    record Comparison(String metric, String stat, List<Trajectory> runs) {}

    @GetMapping("/compare")
    @Operation(summary = "Up to 20 runs on one metric, each downsampled")
    Comparison compare(@PathVariable String project,
            @RequestParam List<String> runs,
            @RequestParam(defaultValue = "kl_base_ft") String metric,
            @RequestParam(required = false) String stat,
            @RequestParam(required = false) Long from,
            @RequestParam(required = false) Long to,
            @RequestParam(defaultValue = "" + TrajectoryService.DEFAULT_POINTS) int points) {
        Project p = access.require(project);
        List<String> keys = new ArrayList<>(new LinkedHashSet<>(runs.stream()
                .flatMap(r -> Arrays.stream(r.split(","))).map(String::trim).filter(s -> !s.isEmpty()).toList()));
        if (keys.isEmpty() || keys.size() > MAX_COMPARED) {
            throw ApiProblem.invalid("runs", "must name 1 to " + MAX_COMPARED + " runs");
        }
        MetricRef m = MetricRef.parse(metric, stat);
        List<Trajectory> out = new ArrayList<>(keys.size());
        for (String key : keys) {
            out.add(trajectories.trajectory(run(p, key).getId(), key, m, from, to, points, false));
        }
        return new Comparison(m.metric(), m.stat(), out);
    }

    @GetMapping(path = "/runs/{runKey}/export.csv", produces = "text/csv")
    @Operation(summary = "Every checkpoint of a run as CSV")
    void exportCsv(@PathVariable String project, @PathVariable String runKey, HttpServletResponse response)
            throws IOException {
        Run r = run(access.require(project), runKey);
        response.setContentType("text/csv;charset=UTF-8");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Content-Disposition", "attachment; filename=\"" + runKey + ".csv\"");
        PrintWriter out = response.getWriter();
        checkpoints.exportCsv(r.getId(), out);
        out.flush();
    }

    private Run run(Project project, String runKey) {
        return runs.findByKey(project.getId(), runKey)
                .orElseThrow(() -> ApiProblem.notFound("run '" + runKey + "'"));
    }
}
