package dev.driftwatch.monitor.web;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Scalar;
import dev.driftwatch.monitor.alert.RuleStatusQuery;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.query.CheckpointQueryService;
import dev.driftwatch.monitor.run.Run;
import dev.driftwatch.monitor.run.RunRepository;
import dev.driftwatch.monitor.run.RunView;
import dev.driftwatch.monitor.security.ProjectAccess;
import io.swagger.v3.oas.annotations.Hidden;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
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

    /**
     * The metric picker's fixed entries, value and label: every metric of the contract measured for all
     * probe sets (those of sequence or labelled probes only appear for runs that report them), then
     * parameter drift.
     */
    static final List<MetricOption> METRICS = Stream.concat(
            Metric.needing(Metric.Needs.ANY_PROBES).stream()
                    .map(m -> new MetricOption(m.wireName(), m.label(), true)),
            Stream.of(new MetricOption(Scalar.GLOBAL_RELATIVE_L2.wireName(), "Parameter drift (relative L2)", false)))
            .toList();

    /**
     * An entry of the metric picker.
     *
     * @param value the API's metric parameter (the metric's name, docs/api/README.md "Metrics")
     * @param label what the user reads
     * @param distribution whether it has statistics and slices (else one number per checkpoint)
     */
    record MetricOption(String value, String label, boolean distribution) {

        /**
         * The entry of a task metric the trainer reports.
         *
         * @param name its key in the checkpoints' task metrics
         * @return the entry
         */
        static MetricOption task(String name) {
            // a key that is not a metric name (spaces, capitals) is reached through the task: spelling
            String value = Scalar.byName(name).isPresent() || Metric.isWellFormed(name) ? name
                    : Scalar.OLD_TASK_PREFIX + name;
            return new MetricOption(value, "Task: " + name, false);
        }
    }

    private final ProjectAccess access;
    private final RunRepository runs;
    private final CheckpointQueryService checkpoints;
    private final LiveUpdates live;
    private final RuleStatusQuery ruleStatuses;

    RunPageController(ProjectAccess access, RunRepository runs, CheckpointQueryService checkpoints,
            LiveUpdates live, RuleStatusQuery ruleStatuses) {
        this.access = access;
        this.runs = runs;
        this.checkpoints = checkpoints;
        this.live = live;
        this.ruleStatuses = ruleStatuses;
    }

    @GetMapping
    String page(@PathVariable String project, @PathVariable String runKey, Model model) {
        Project p = access.require(project);
        Run run = run(p, runKey);
        model.addAttribute("project", p);
        model.addAttribute("run", RunView.of(run));
        model.addAttribute("metrics", metricOptions(run));
        model.addAttribute("ruleStatuses", ruleStatuses.ofRun(run.getId()));
        return "run";
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @ResponseBody
    SseEmitter events(@PathVariable String project, @PathVariable String runKey) {
        return live.subscribe(run(access.require(project), runKey).getId());
    }

    /**
     * HEAD of the event stream: its headers, and the end of the response. (Spring answers HEAD with the GET
     * handler and drops the body, which for an event stream would hold the connection open for the
     * stream's ten minutes, streaming nothing.)
     */
    @RequestMapping(path = "/events", method = RequestMethod.HEAD)
    ResponseEntity<Void> eventsHead(@PathVariable String project, @PathVariable String runKey) {
        run(access.require(project), runKey); // 404 for an unknown run, as GET
        return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).build();
    }

    private Run run(Project p, String runKey) {
        return runs.findByKey(p.getId(), runKey)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no run '" + runKey + "'"));
    }

    /**
     * The fixed metrics, then the other distribution metrics the run's latest checkpoint reports (the
     * per-sequence sums, task loss and forgetting, and by name alone metrics this service's contract does
     * not know), then its task metrics (the trainer's losses, accuracies).
     */
    private List<MetricOption> metricOptions(Run run) {
        CheckpointQueryService.MetricNamesAt names = run.getLastStep() == null
                ? CheckpointQueryService.MetricNamesAt.NONE : checkpoints.metricNamesAt(run.getId(), run.getLastStep());
        List<String> reported = names.metrics();
        List<String> tasks = names.taskMetrics();
        List<MetricOption> options = new ArrayList<>(METRICS);
        Arrays.stream(Metric.values()).filter(m -> m.needs() != Metric.Needs.ANY_PROBES && reported.contains(m.wireName()))
                .forEach(m -> options.add(options.size() - 1, new MetricOption(m.wireName(), m.label(), true)));
        reported.stream().filter(name -> Metric.byName(name).isEmpty())
                .forEach(name -> options.add(options.size() - 1, new MetricOption(name, name, true)));
        tasks.forEach(t -> options.add(MetricOption.task(t)));
        return options;
    }
}
