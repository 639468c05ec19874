package dev.driftwatch.monitor.project;

import java.time.Instant;

/**
 * A project as the API shows it.
 *
 * @param key the URL key
 * @param name the display name
 * @param createdAt when it was created
 * @param flagSettings its flagging settings
 */
public record ProjectView(String key, String name, Instant createdAt, FlagSettings flagSettings) {

    /**
     * Builds the view of a project.
     *
     * @param p the project
     * @return its view
     */
    public static ProjectView of(Project p) {
        return new ProjectView(p.getKey(), p.getName(), p.getCreatedAt(), p.getFlagSettings());
    }
}
