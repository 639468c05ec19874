package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.ChannelType;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.security.ProjectTokenAuthentication;
import dev.driftwatch.monitor.security.ProjectAccess;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Alert rules of a project (docs/alerting.md). Reads accept a project token or a UI session; writes
 * need the project's token (the API chain of the security config).
 */
@RestController
@RequestMapping(path = "/api/v1/projects/{project}/alert-rules", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "alerting", description = "Alert rules and alerts")
class AlertRuleController {

    private final ProjectAccess access;
    private final AlertRuleService rules;

    AlertRuleController(ProjectAccess access, AlertRuleService rules) {
        this.access = access;
        this.rules = rules;
    }

    @GetMapping
    @Operation(summary = "List the project's alert rules")
    List<AlertRule> list(@PathVariable String project) {
        return rules.list(access.require(project));
    }

    @GetMapping("/{ruleId}")
    @Operation(summary = "One alert rule")
    AlertRule get(@PathVariable String project, @PathVariable long ruleId) {
        return rules.get(access.require(project), ruleId);
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Create an alert rule (201); a bad definition is a 400 naming the field")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = AlertRuleRequest.class)))
    ResponseEntity<AlertRule> create(@PathVariable String project, @RequestBody JsonNode body) {
        Project p = access.require(project);
        AlertRule rule = rules.create(p, mayNotify(RuleJson.read(body)));
        return ResponseEntity.created(URI.create("/api/v1/projects/" + p.getKey() + "/alert-rules/" + rule.id()))
                .body(rule);
    }

    @PutMapping(path = "/{ruleId}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Replace an alert rule; its open alerts end")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = AlertRuleRequest.class)))
    AlertRule update(@PathVariable String project, @PathVariable long ruleId, @RequestBody JsonNode body) {
        return rules.update(access.require(project), ruleId, mayNotify(RuleJson.read(body)));
    }

    /**
     * A rule that sends to a URL (webhook, Slack) needs a token with the {@code channels} scope: a
     * plain upload token must not make the service call arbitrary addresses.
     */
    private static AlertRuleRequest mayNotify(AlertRuleRequest request) {
        boolean urls = request.channels() != null
                && request.channels().stream().anyMatch(c -> c != null && !ChannelType.LOG.wireName().equals(c.type()));
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        boolean scoped = auth != null && auth.getAuthorities().stream()
                .anyMatch(a -> ProjectTokenAuthentication.CHANNELS_AUTHORITY.equals(a.getAuthority()));
        if (urls && !scoped) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
                    "webhook and Slack channels need a token with the 'channels' scope (the bootstrap token has it)"
                            + " or the web UI's admin",
                    List.of(new ApiProblem.FieldProblem("channels", "needs the 'channels' scope")));
        }
        return request;
    }

    @DeleteMapping("/{ruleId}")
    @Operation(summary = "Delete an alert rule (204); its alerts' history is kept")
    ResponseEntity<Void> delete(@PathVariable String project, @PathVariable long ruleId) {
        rules.delete(access.require(project), ruleId);
        return ResponseEntity.noContent().build();
    }
}
