package dev.driftwatch.monitor.forgetting;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.run.Run;
import dev.driftwatch.monitor.run.RunRepository;
import dev.driftwatch.monitor.security.ProjectAccess;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The forgetting API: the drift-forgetting fit of comparable runs, and per run its observed or predicted
 * forgetting, drift forecast and recommended checkpoint (docs/forgetting.md).
 */
@RestController
@RequestMapping(path = "/api/v1/projects/{project}", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "forgetting", description = "Forgetting against drift, drift forecasts, recommended checkpoints")
class ForgettingController {

    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

    private final ProjectAccess access;
    private final RunRepository runs;
    private final ForgettingService forgetting;

    ForgettingController(ProjectAccess access, RunRepository runs, ForgettingService forgetting) {
        this.access = access;
        this.runs = runs;
        this.forgetting = forgetting;
    }

    @GetMapping("/runs/{runKey}/forgetting")
    @Operation(summary = "A run's forgetting (measured, or predicted from drift), drift forecast and recommended"
            + " checkpoint")
    ForgettingService.RunForgetting run(@PathVariable String project, @PathVariable String runKey) {
        Project p = access.require(project);
        Run run = runs.findByKey(p.getId(), runKey).orElseThrow(() -> ApiProblem.notFound("run '" + runKey + "'"));
        return forgetting.forRun(run, p.getFlagSettings().klThreshold());
    }

    @GetMapping("/forgetting-fit")
    @Operation(summary = "Off-task forgetting against drift over the checkpoints of comparable runs")
    ForgettingService.GroupFit fit(@PathVariable String project, @RequestParam String baseFingerprint,
            @RequestParam String probeFingerprint) {
        Project p = access.require(project);
        if (!FINGERPRINT.matcher(baseFingerprint).matches()) {
            throw ApiProblem.invalid("baseFingerprint", "must be 64 lower-case hex characters");
        }
        if (!FINGERPRINT.matcher(probeFingerprint).matches()) {
            throw ApiProblem.invalid("probeFingerprint", "must be 64 lower-case hex characters");
        }
        return forgetting.fit(p.getId(), baseFingerprint, probeFingerprint);
    }
}
