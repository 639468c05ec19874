package dev.driftwatch.monitor.project.api;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.project.ProjectSettingsService;
import dev.driftwatch.monitor.project.ProjectView;
import dev.driftwatch.monitor.security.ProjectAccess;
import dev.driftwatch.monitor.security.ProjectTokenAuthentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Projects and their flagging settings. */
@RestController
@RequestMapping(path = "/api/v1/projects", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "projects", description = "Projects and their flagging settings")
class ProjectController {

    private final ProjectAccess access;
    private final ProjectRepository projects;
    private final ProjectSettingsService settings;

    ProjectController(ProjectAccess access, ProjectRepository projects, ProjectSettingsService settings) {
        this.access = access;
        this.projects = projects;
        this.settings = settings;
    }

    @GetMapping
    @Operation(summary = "The projects the caller may read (a token: its own)")
    List<ProjectView> list() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth instanceof ProjectTokenAuthentication token) {
            return projects.findById(token.getProjectId()).map(ProjectView::of).stream().toList();
        }
        return projects.findAll(org.springframework.data.domain.Sort.by("key")).stream().map(ProjectView::of)
                .toList();
    }

    @GetMapping("/{project}")
    @Operation(summary = "One project with its flagging settings")
    ProjectView get(@PathVariable String project) {
        return ProjectView.of(access.require(project));
    }

    @PutMapping(path = "/{project}/settings", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Change the flagging settings; every run is re-flagged",
            description = "The settings given (trainableFractionThreshold, klThreshold, driftFactor, lossTolerance)"
                    + " replace the current values; the ones left out keep theirs. A field that is not a setting,"
                    + " a value that is not a number or out of range is a 400 naming it.")
    ProjectView putSettings(@PathVariable String project, @RequestBody JsonNode body) {
        Project p = access.require(project);
        SettingsChange change = SettingsChange.of(body);
        return ProjectView.of(settings.update(p.getId(), change.applyTo(p.getFlagSettings())));
    }
}
