package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.forgetting.ForgettingService;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.query.RunQueryService;
import dev.driftwatch.monitor.query.RunQueryService.RunFilter;
import dev.driftwatch.monitor.query.RunQueryService.Sort;
import dev.driftwatch.monitor.run.RunView;
import dev.driftwatch.monitor.security.ProjectAccess;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * Compares runs: up to {@value #MAX_RUNS} overlaid on one metric (drawn from the query API's compare
 * endpoint), and, for one group of comparable runs (same base and probe set), the task loss against
 * drift and the fit of off-task forgetting against drift over all their checkpoints.
 */
@Controller
@UiPage
class ComparePageController {

    /** Most runs overlaid, as the compare API allows. */
    static final int MAX_RUNS = 20;

    private final ProjectAccess access;
    private final RunQueryService runs;
    private final ForgettingService forgetting;

    ComparePageController(ProjectAccess access, RunQueryService runs, ForgettingService forgetting) {
        this.access = access;
        this.runs = runs;
        this.forgetting = forgetting;
    }

    /**
     * A group of comparable runs.
     *
     * @param base base fingerprint
     * @param probe probe-set fingerprint
     * @param runs number of runs in it
     */
    record Group(String base, String probe, long runs) {

        /** @return the group's value in the picker */
        public String id() {
            return base + ":" + probe;
        }

        /** @return a short label */
        public String label() {
            return "base " + base.substring(0, 8) + "…, probes " + probe.substring(0, 8) + "… (" + runs + " runs)";
        }
    }

    @GetMapping("/projects/{project}/compare")
    String compare(@PathVariable String project, @RequestParam(required = false) List<String> runs,
            @RequestParam(defaultValue = "kl_base_ft") String metric, @RequestParam(required = false) String group,
            Model model) {
        Project p = access.require(project);
        if (RunPageController.METRICS.stream().noneMatch(m -> m.value().equals(metric))) {
            // (the chart's menu has only these: another name was shown in the heading over the default's lines)
            throw ApiProblem.invalid("metric", "must be one of " + String.join(", ",
                    RunPageController.METRICS.stream().map(RunPageController.MetricOption::value).toList()));
        }
        List<String> selected = new ArrayList<>(new LinkedHashSet<>(runs == null ? List.<String>of() : runs));
        boolean truncated = selected.size() > MAX_RUNS;
        if (truncated) {
            selected = selected.subList(0, MAX_RUNS);
        }
        RunQueryService.RunPage newest = this.runs.list(p.getId(),
                new RunFilter(null, null, null, null, null, null, null, null), Sort.started, null, 0,
                RunQueryService.MAX_PAGE_SIZE);
        List<RunView> all = newest.runs();
        List<Group> groups = forgetting.comparableGroups(p.getId()).stream()
                .map(g -> new Group(g.baseFingerprint(), g.probeFingerprint(), g.runs())).toList();
        Group chosen = chooseGroup(groups, group, selected, all);
        RunQueryService.RunPage comparable = chosen == null ? new RunQueryService.RunPage(List.of(), 0, 0, 0)
                : this.runs.list(p.getId(), new RunFilter(null, null, null, null, null, chosen.base(), chosen.probe(),
                        null), Sort.latestDrift, null, 0, RunQueryService.MAX_PAGE_SIZE);
        model.addAttribute("project", p);
        model.addAttribute("allRuns", all);
        // the lists hold at most MAX_PAGE_SIZE runs: the page says when a project has more
        model.addAttribute("runsTotal", newest.total());
        model.addAttribute("comparableListed", comparable.runs().size());
        model.addAttribute("comparableTotal", comparable.total());
        model.addAttribute("selected", selected);
        model.addAttribute("truncated", truncated);
        model.addAttribute("metric", metric);
        model.addAttribute("metrics", RunPageController.METRICS);
        model.addAttribute("groups", groups);
        model.addAttribute("group", chosen);
        model.addAttribute("scatter", LossDriftScatter.of(comparable.runs()));
        ForgettingService.GroupFit fit = chosen == null ? null
                : forgetting.fit(p.getId(), chosen.base(), chosen.probe());
        model.addAttribute("fit", fit);
        model.addAttribute("forgettingScatter", fit == null ? null : ForgettingScatter.of(fit));
        return "compare";
    }

    /** The asked-for group, else the group of the first selected run, else the largest group. */
    private static Group chooseGroup(List<Group> groups, String asked, List<String> selected, List<RunView> all) {
        if (asked != null) {
            for (Group g : groups) {
                if (g.id().equals(asked)) {
                    return g;
                }
            }
        }
        if (!selected.isEmpty()) {
            for (RunView r : all) {
                if (r.runKey().equals(selected.get(0))) {
                    for (Group g : groups) {
                        if (g.base().equals(r.baseFingerprint()) && g.probe().equals(r.probeFingerprint())) {
                            return g;
                        }
                    }
                }
            }
        }
        return groups.isEmpty() ? null : groups.get(0);
    }
}
