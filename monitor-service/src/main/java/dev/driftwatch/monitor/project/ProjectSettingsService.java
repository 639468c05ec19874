package dev.driftwatch.monitor.project;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Changes a project's flagging settings; the flags of its runs are recomputed by whoever owns them
 * ({@code flag.FlagService}) on the {@link FlagSettingsChanged} event, in the same transaction.
 */
@Service
public class ProjectSettingsService {

    private final ProjectRepository projects;
    private final ApplicationEventPublisher events;

    ProjectSettingsService(ProjectRepository projects, ApplicationEventPublisher events) {
        this.projects = projects;
        this.events = events;
    }

    /**
     * Validates and stores new settings, then recomputes the flags of every run of the project.
     *
     * @param projectId the project
     * @param settings the settings
     * @return the updated project
     * @throws ApiProblem 400 naming the setting out of range
     */
    @Transactional
    public Project update(long projectId, FlagSettings settings) {
        return update(projectId, null, settings);
    }

    /**
     * Renames the project and stores new settings in one transaction (the settings page's one user
     * action), then recomputes the flags of every run of the project.
     *
     * @param projectId the project
     * @param name the new display name, or null to keep it
     * @param settings the settings
     * @return the updated project
     * @throws ApiProblem 400 naming the setting out of range; nothing is changed then
     */
    @Transactional
    public Project update(long projectId, String name, FlagSettings settings) {
        List<ApiProblem.FieldProblem> problems = new ArrayList<>();
        check(problems, "trainableFractionThreshold", settings.trainableFractionThreshold(), 0, 1);
        check(problems, "klThreshold", settings.klThreshold(), 0, Double.MAX_VALUE);
        check(problems, "driftFactor", settings.driftFactor(), 1, Double.MAX_VALUE);
        check(problems, "lossTolerance", settings.lossTolerance(), 0, 10);
        if (!problems.isEmpty()) {
            throw ApiProblem.invalid(problems);
        }
        Project project = projects.findById(projectId).orElseThrow(() -> ApiProblem.notFound("project"));
        project.setFlagSettings(settings);
        if (name != null) {
            project.setName(name);
        }
        projects.saveAndFlush(project);
        events.publishEvent(new FlagSettingsChanged(projectId));
        return project;
    }

    private static void check(List<ApiProblem.FieldProblem> problems, String field, double v, double min, double max) {
        if (!Double.isFinite(v) || v < min || v > max) {
            problems.add(new ApiProblem.FieldProblem(field, "must be a finite number in [" + min + ", "
                    + (max == Double.MAX_VALUE ? "inf" : max) + "]"));
        }
    }
}
