package dev.driftwatch.monitor.project;

import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

/** Projects by id and by URL key. */
public interface ProjectRepository extends JpaRepository<Project, Long> {

    /**
     * Finds a project by its URL key.
     *
     * @param key the key
     * @return the project, if any
     */
    Optional<Project> findByKey(String key);
}
