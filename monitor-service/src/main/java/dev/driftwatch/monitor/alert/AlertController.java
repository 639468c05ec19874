package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.security.ProjectAccess;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Alerts of a project: the open ones (default), the history, one alert with its transitions. */
@RestController
@RequestMapping(path = "/api/v1/projects/{project}/alerts", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "alerting", description = "Alert rules and alerts")
class AlertController {

    private final ProjectAccess access;
    private final AlertQueryService alerts;

    AlertController(ProjectAccess access, AlertQueryService alerts) {
        this.access = access;
        this.alerts = alerts;
    }

    @GetMapping
    @Operation(summary = "Alerts, newest first: state=open (pending and firing, the default) or state=all (history);"
            + " before=<id> for the page after an answer whose last episode has that id")
    List<AlertView> list(@PathVariable String project, @RequestParam(defaultValue = "open") String state,
            @RequestParam(required = false) Long rule, @RequestParam(required = false) String run,
            @RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) Long before) {
        if (!state.equals("open") && !state.equals("all")) {
            throw ApiProblem.invalid("state", "must be open or all");
        }
        if (limit < 1 || limit > AlertQueryService.MAX_LIMIT) {
            throw ApiProblem.invalid("limit", "must be an integer in [1, " + AlertQueryService.MAX_LIMIT + "]");
        }
        if (before != null && before < 1) {
            throw ApiProblem.invalid("before", "must be an alert id (an integer of at least 1)");
        }
        return alerts.list(access.require(project),
                new AlertQueryService.Filter(state.equals("open"), rule, run, limit, before));
    }

    @GetMapping("/{alertId}")
    @Operation(summary = "One alert with its transitions and notifications")
    AlertDetail get(@PathVariable String project, @PathVariable long alertId) {
        return alerts.get(access.require(project), alertId);
    }
}
