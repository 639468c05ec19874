package dev.driftwatch.monitor.project;

import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Projects by id and by URL key. */
public interface ProjectRepository extends JpaRepository<Project, Long> {

    /**
     * Finds a project by its URL key.
     *
     * @param key the key
     * @return the project, if any
     */
    Optional<Project> findByKey(String key);

    /**
     * Creates a project with the default flagging settings unless one has the key, in one statement: of
     * several requests creating the same key at once, one creates it and the others are told it exists,
     * where a look-up followed by an insert let them reach the key's unique constraint (an error).
     *
     * @param key the URL key, valid ({@link Project#isValidKey})
     * @param name the display name, 1 to 200 characters
     * @return 1 when it was created, 0 when a project had the key
     */
    @Modifying
    @Transactional
    @Query(value = "INSERT INTO project (project_key, name) VALUES (:key, :name) ON CONFLICT (project_key) DO NOTHING",
            nativeQuery = true)
    int createIfAbsent(@Param("key") String key, @Param("name") String name);
}
