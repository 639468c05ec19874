package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * Decides whether the current request may use a project: an API token only its own project, a
 * logged-in UI user every project. Controllers call it before touching a project's data.
 */
@Component
public class ProjectAccess {

    private final ProjectRepository projects;

    ProjectAccess(ProjectRepository projects) {
        this.projects = projects;
    }

    /**
     * Checks access to a project and loads it.
     *
     * @param projectKey the key from the path
     * @return the project
     * @throws ApiProblem 403 for a token of another project, 404 for an unknown project (UI users)
     */
    public Project require(String projectKey) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth instanceof ProjectTokenAuthentication token) {
            if (!token.getProjectKey().equals(projectKey)) {
                throw ApiProblem.forbidden(projectKey);
            }
            return projects.findById(token.getProjectId())
                    .orElseThrow(() -> ApiProblem.notFound("project '" + projectKey + "'"));
        }
        return projects.findByKey(projectKey).orElseThrow(() -> ApiProblem.notFound("project '" + projectKey + "'"));
    }
}
