package dev.driftwatch.monitor.run;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.JpaSpecificationExecutor;
import org.springframework.data.jpa.repository.Query;

/** Runs by project and key. */
public interface RunRepository extends JpaRepository<Run, Long>, JpaSpecificationExecutor<Run> {

    /**
     * Finds a run by its key within a project.
     *
     * @param projectId the project's id
     * @param runKey the run key
     * @return the run, if any
     */
    @Query("select r from Run r where r.project.id = :projectId and r.runKey = :runKey")
    Optional<Run> findByKey(Long projectId, String runKey);

    /**
     * Lists the runs comparable to each other: same project, base and probe fingerprints.
     *
     * @param projectId the project's id
     * @param baseFingerprint the base fingerprint
     * @param probeFingerprint the probe fingerprint
     * @return the runs
     */
    @Query("select r from Run r where r.project.id = :projectId and r.baseFingerprint = :baseFingerprint"
            + " and r.probeFingerprint = :probeFingerprint")
    List<Run> findComparable(Long projectId, String baseFingerprint, String probeFingerprint);
}
