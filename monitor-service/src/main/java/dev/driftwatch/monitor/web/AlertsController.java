package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.alert.AlertQueryService;
import dev.driftwatch.monitor.alert.AlertView;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.security.ProjectAccess;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * A project's alerts: the open ones (pending, firing) or the whole history, newest first, {@link #LIMIT} a page
 * (the next page holds the episodes older than the last one shown).
 */
@Controller
@UiPage
class AlertsController {

    /** Most alert episodes on the page. */
    static final int LIMIT = 500;

    private final ProjectAccess access;
    private final AlertQueryService alerts;

    AlertsController(ProjectAccess access, AlertQueryService alerts) {
        this.access = access;
        this.alerts = alerts;
    }

    @GetMapping("/projects/{project}/alerts")
    String list(@PathVariable String project, @RequestParam(defaultValue = "false") boolean open,
            @RequestParam(required = false) String run, @RequestParam(required = false) Long before, Model model) {
        Project p = access.require(project);
        String runKey = run == null || run.isBlank() ? null : run.strip();
        model.addAttribute("project", p);
        model.addAttribute("open", open);
        model.addAttribute("run", runKey);
        Long older = before == null || before < 1 ? null : before;
        // one more than shown, to tell whether there are more
        List<AlertView> found = alerts.list(p, new AlertQueryService.Filter(open, null, runKey, LIMIT + 1, older));
        List<AlertView> shown = found.size() > LIMIT ? found.subList(0, LIMIT) : found;
        model.addAttribute("alerts", shown);
        model.addAttribute("before", older);
        // the next page: the episodes older than the last one shown
        model.addAttribute("olderThan", found.size() > LIMIT ? shown.get(shown.size() - 1).id() : null);
        model.addAttribute("limit", LIMIT);
        return "alerts";
    }
}
