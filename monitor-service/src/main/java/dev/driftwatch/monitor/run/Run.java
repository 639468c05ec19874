package dev.driftwatch.monitor.run;

import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.RunStatus;
import dev.driftwatch.monitor.project.Project;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import org.hibernate.annotations.ColumnTransformer;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A fine-tuning run: its metadata as the plugin sent it, a summary of its checkpoints maintained on
 * ingest (so lists never scan checkpoints) and its flags with their reasons.
 */
@Entity
@DynamicUpdate // ingest maintains the summary columns with SQL; an entity update must not overwrite them
@Table(name = "run")
public class Run {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "project_id", nullable = false)
    private Project project;

    @Column(name = "run_key", nullable = false, length = 128)
    private String runKey;

    @Column(nullable = false, length = 200)
    private String name;

    @Column(nullable = false, length = 16)
    private String method;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    private String[] tags = new String[0];

    @Column(name = "base_fingerprint", nullable = false)
    private String baseFingerprint;

    @Column(name = "probe_fingerprint", nullable = false)
    private String probeFingerprint;

    @Column(name = "total_parameters", nullable = false)
    private long totalParameters;

    @Column(name = "trainable_parameters", nullable = false)
    private long trainableParameters;

    @Column(nullable = false)
    private double temperature = 1;

    /** The free-form config as a JSON object of strings. */
    @ColumnTransformer(write = "?::jsonb")
    @Column(nullable = false, columnDefinition = "jsonb")
    private String config = "{}";

    @Column(nullable = false, length = 16)
    private String status = RunStatus.RUNNING.wireName();

    @Column(name = "started_at", nullable = false)
    private Instant startedAt;

    @Column(name = "ended_at")
    private Instant endedAt;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "checkpoint_count", nullable = false)
    private int checkpointCount;

    @Column(name = "last_step")
    private Long lastStep;

    @Column(name = "last_checkpoint_at")
    private Instant lastCheckpointAt;

    @Column(name = "latest_kl_mean")
    private Double latestKlMean;

    @Column(name = "latest_kl_ci_low")
    private Double latestKlCiLow;

    @Column(name = "latest_kl_ci_high")
    private Double latestKlCiHigh;

    @Column(name = "latest_task_loss")
    private Double latestTaskLoss;

    @Column(name = "max_kl_mean")
    private Double maxKlMean;

    @Column(name = "flag_parameter_heavy", nullable = false)
    private boolean parameterHeavy;

    @Column(name = "flag_drifts_far", nullable = false)
    private boolean driftsFar;

    /** The flags' reasons as a JSON array of {@code {"flag", "reason"}} objects. */
    @ColumnTransformer(write = "?::jsonb")
    @Column(name = "flag_reasons", nullable = false, columnDefinition = "jsonb")
    private String flagReasons = "[]";

    /** For JPA. */
    protected Run() {}

    /**
     * Creates a run; the metadata is set with {@link #update}.
     *
     * @param project its project
     * @param runKey the client's key, unique within the project
     */
    public Run(Project project, String runKey) {
        this.project = project;
        this.runKey = runKey;
        this.createdAt = Instant.now();
        this.updatedAt = createdAt;
    }

    /**
     * Sets the metadata the plugin sends with the run.
     *
     * @param metadata the validated metadata
     * @param configJson the config as a JSON object text
     */
    public void update(RunInfo metadata, String configJson) {
        this.name = metadata.name();
        this.method = metadata.method();
        this.tags = metadata.tags().toArray(String[]::new);
        this.baseFingerprint = metadata.baseFingerprint();
        this.probeFingerprint = metadata.probeFingerprint();
        this.totalParameters = metadata.totalParameters();
        this.trainableParameters = metadata.trainableParameters();
        this.temperature = metadata.temperature();
        this.config = configJson;
        this.startedAt = metadata.startedAt();
        this.updatedAt = Instant.now();
    }

    /**
     * Marks the run as ended.
     *
     * @param status {@code completed}, {@code failed} or {@code stopped}
     * @param endedAt when it ended
     */
    public void finish(String status, Instant endedAt) {
        this.status = status;
        this.endedAt = endedAt;
        this.updatedAt = Instant.now();
    }

    /** @return the database id */
    public Long getId() {
        return id;
    }

    /** @return the project */
    public Project getProject() {
        return project;
    }

    /** @return the client's run key */
    public String getRunKey() {
        return runKey;
    }

    /** @return the display name */
    public String getName() {
        return name;
    }

    /** @return full, head, adapter, lora or other */
    public String getMethod() {
        return method;
    }

    /** @return the tags */
    public List<String> getTags() {
        return List.of(tags);
    }

    /** @return SHA-256 of the base parameters */
    public String getBaseFingerprint() {
        return baseFingerprint;
    }

    /** @return SHA-256 of the probe set */
    public String getProbeFingerprint() {
        return probeFingerprint;
    }

    /** @return number of parameter elements */
    public long getTotalParameters() {
        return totalParameters;
    }

    /** @return number of trainable parameter elements */
    public long getTrainableParameters() {
        return trainableParameters;
    }

    /** @return trainable / total parameters */
    public double getTrainableFraction() {
        return totalParameters == 0 ? 0 : (double) trainableParameters / totalParameters;
    }

    /** @return the softmax temperature of the measurements */
    public double getTemperature() {
        return temperature;
    }

    /** @return the free-form config as a JSON object text */
    public String getConfigJson() {
        return config;
    }

    /** @return running, completed, failed or stopped */
    public String getStatus() {
        return status;
    }

    /** @return when the run started */
    public Instant getStartedAt() {
        return startedAt;
    }

    /** @return when it ended, or null */
    public Instant getEndedAt() {
        return endedAt;
    }

    /** @return when the service first saw it */
    public Instant getCreatedAt() {
        return createdAt;
    }

    /** @return when its metadata last changed */
    public Instant getUpdatedAt() {
        return updatedAt;
    }

    /** @return number of stored checkpoints */
    public int getCheckpointCount() {
        return checkpointCount;
    }

    /** @return the highest stored step, or null */
    public Long getLastStep() {
        return lastStep;
    }

    /** @return when the latest checkpoint arrived, or null */
    public Instant getLastCheckpointAt() {
        return lastCheckpointAt;
    }

    /** @return headline KL mean of the latest valid checkpoint (nats/token), or null */
    public Double getLatestKlMean() {
        return latestKlMean;
    }

    /** @return lower CI bound of that KL, or null */
    public Double getLatestKlCiLow() {
        return latestKlCiLow;
    }

    /** @return upper CI bound of that KL, or null */
    public Double getLatestKlCiHigh() {
        return latestKlCiHigh;
    }

    /** @return task loss (validation, else training) of the latest checkpoint that has one, or null */
    public Double getLatestTaskLoss() {
        return latestTaskLoss;
    }

    /** @return the largest headline KL mean over all checkpoints, or null */
    public Double getMaxKlMean() {
        return maxKlMean;
    }

    /** @return true when the trainable fraction is at or above the project's threshold */
    public boolean isParameterHeavy() {
        return parameterHeavy;
    }

    /** @return true when the run drifts far from base (SPEC "Flagging") */
    public boolean isDriftsFar() {
        return driftsFar;
    }

    /** @return true when the run is parameter-heavy and drifts far: the runs SPEC asks to flag */
    public boolean isFlagged() {
        return parameterHeavy && driftsFar;
    }

    /** @return the reasons of the flags as a JSON array text */
    public String getFlagReasonsJson() {
        return flagReasons;
    }
}
