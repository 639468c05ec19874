package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.run.Run;
import dev.driftwatch.monitor.run.RunRepository;
import dev.driftwatch.monitor.run.RunView;
import dev.driftwatch.monitor.security.ProjectAccess;
import io.swagger.v3.oas.annotations.Hidden;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One run's page. The page itself carries the metadata; its charts read the query API
 * ({@code /api/v1/projects/{project}/runs/{runKey}/...}) with the session, and an event stream
 * announces new checkpoints while the run trains.
 */
@Controller
@UiPage
@Hidden // a page and its event stream, not part of the versioned API
@RequestMapping("/projects/{project}/runs/{runKey}")
class RunPageController {

    /** The metric picker's fixed entries: value and label. */
    static final List<MetricOption> METRICS = List.of(
            new MetricOption("kl_base_ft", "KL(base ‖ fine-tuned), headline"),
            new MetricOption("kl_ft_base", "KL(fine-tuned ‖ base)"),
            new MetricOption("js", "Jensen–Shannon"),
            new MetricOption("tv", "Total variation"),
            new MetricOption("top1_agree", "Top-1 agreement"),
            new MetricOption("entropy_base", "Entropy, base"),
            new MetricOption("entropy_ft", "Entropy, fine-tuned"),
            new MetricOption("param:globalRelativeL2", "Parameter drift (relative L2)"));

    /**
     * An entry of the metric picker.
     *
     * @param value the API's metric parameter
     * @param label what the user reads
     */
    record MetricOption(String value, String label) {}

    private final ProjectAccess access;
    private final RunRepository runs;
    private final JdbcTemplate jdbc;
    private final LiveUpdates live;

    RunPageController(ProjectAccess access, RunRepository runs, JdbcTemplate jdbc, LiveUpdates live) {
        this.access = access;
        this.runs = runs;
        this.jdbc = jdbc;
        this.live = live;
    }

    @GetMapping
    String page(@PathVariable String project, @PathVariable String runKey, Model model) {
        Project p = access.require(project);
        Run run = run(p, runKey);
        model.addAttribute("project", p);
        model.addAttribute("run", RunView.of(run));
        model.addAttribute("metrics", metricOptions(run));
        return "run";
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @ResponseBody
    SseEmitter events(@PathVariable String project, @PathVariable String runKey) {
        return live.subscribe(run(access.require(project), runKey).getId());
    }

    private Run run(Project p, String runKey) {
        return runs.findByKey(p.getId(), runKey)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no run '" + runKey + "'"));
    }

    /** The fixed metrics plus the task metrics (losses, accuracies) the run's latest checkpoint reports. */
    private List<MetricOption> metricOptions(Run run) {
        List<String> tasks = run.getLastStep() == null ? List.of() : jdbc.queryForList(
                "SELECT jsonb_object_keys(task_metrics) FROM checkpoint WHERE run_id = ? AND step = ? ORDER BY 1",
                String.class, run.getId(), run.getLastStep());
        return java.util.stream.Stream.concat(METRICS.stream(),
                tasks.stream().map(t -> new MetricOption("task:" + t, "Task: " + t))).toList();
    }
}
