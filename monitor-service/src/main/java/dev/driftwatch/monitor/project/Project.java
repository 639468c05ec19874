package dev.driftwatch.monitor.project;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A project: the scope of API tokens, runs and flagging settings. */
@Entity
@Table(name = "project")
public class Project {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "project_key", nullable = false, unique = true, length = 64)
    private String key;

    @Column(nullable = false, length = 200)
    private String name;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "trainable_fraction_threshold", nullable = false)
    private double trainableFractionThreshold = FlagSettings.DEFAULTS.trainableFractionThreshold();

    @Column(name = "kl_threshold", nullable = false)
    private double klThreshold = FlagSettings.DEFAULTS.klThreshold();

    @Column(name = "drift_factor", nullable = false)
    private double driftFactor = FlagSettings.DEFAULTS.driftFactor();

    @Column(name = "loss_tolerance", nullable = false)
    private double lossTolerance = FlagSettings.DEFAULTS.lossTolerance();

    /** The rule of a project's URL key, besides not being {@code .} or {@code ..} ({@link #isValidKey}). */
    public static final String KEY_RULE = "[A-Za-z0-9._-]{1,64}";

    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile(KEY_RULE);

    /** For JPA. */
    protected Project() {}

    /**
     * Tells whether a key can be a project's: {@link #KEY_RULE}, and not {@code .} or {@code ..}, which
     * a URL path normalises away (the project's pages could never be reached).
     *
     * @param key the key, may be null
     * @return true when valid
     */
    public static boolean isValidKey(String key) {
        return key != null && KEY.matcher(key).matches() && !dev.driftwatch.contract.RunKey.isDotSegment(key);
    }

    /**
     * Creates a project with default flagging settings.
     *
     * @param key the URL key, {@code [A-Za-z0-9._-]{1,64}}
     * @param name the display name
     */
    public Project(String key, String name) {
        this.key = key;
        this.name = name;
        this.createdAt = Instant.now();
    }

    /** @return the database id */
    public Long getId() {
        return id;
    }

    /** @return the URL key */
    public String getKey() {
        return key;
    }

    /** @return the display name */
    public String getName() {
        return name;
    }

    /** @param name the new display name */
    public void setName(String name) {
        this.name = name;
    }

    /** @return when the project was created */
    public Instant getCreatedAt() {
        return createdAt;
    }

    /** @return the flagging settings */
    public FlagSettings getFlagSettings() {
        return new FlagSettings(trainableFractionThreshold, klThreshold, driftFactor, lossTolerance);
    }

    /** @param settings the new flagging settings */
    public void setFlagSettings(FlagSettings settings) {
        this.trainableFractionThreshold = settings.trainableFractionThreshold();
        this.klThreshold = settings.klThreshold();
        this.driftFactor = settings.driftFactor();
        this.lossTolerance = settings.lossTolerance();
    }
}
