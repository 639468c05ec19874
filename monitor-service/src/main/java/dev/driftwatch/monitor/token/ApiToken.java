package dev.driftwatch.monitor.token;

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

/** A project-scoped API token; only its SHA-256 hash is stored. */
@Entity
@Table(name = "api_token")
public class ApiToken {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "project_id", nullable = false)
    private Project project;

    @Column(nullable = false, length = 200)
    private String name;

    @Column(name = "token_hash", nullable = false, unique = true, length = 64)
    private String tokenHash;

    @Column(name = "token_prefix", nullable = false, length = 16)
    private String tokenPrefix;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    @Column(nullable = false, length = 200)
    private String scopes = "";

    /** The scope that lets a token create rules notifying a URL (webhook or Slack channels). */
    public static final String SCOPE_CHANNELS = "channels";

    /** For JPA. */
    protected ApiToken() {}

    ApiToken(Project project, String name, String tokenHash, String tokenPrefix) {
        this.project = project;
        this.name = name;
        this.tokenHash = tokenHash;
        this.tokenPrefix = tokenPrefix;
        this.createdAt = Instant.now();
    }

    /**
     * Whether the token has a scope.
     *
     * @param scope e.g. {@link #SCOPE_CHANNELS}
     * @return true when granted
     */
    public boolean hasScope(String scope) {
        return java.util.Arrays.asList(scopes.split(" ")).contains(scope);
    }

    /**
     * Grants a scope.
     *
     * @param scope e.g. {@link #SCOPE_CHANNELS}
     */
    void grant(String scope) {
        if (!hasScope(scope)) {
            scopes = scopes.isEmpty() ? scope : scopes + " " + scope;
        }
    }

    /** @return the database id */
    public Long getId() {
        return id;
    }

    /** @return the project the token writes to */
    public Project getProject() {
        return project;
    }

    /** @return the display name */
    public String getName() {
        return name;
    }

    /** @return the first characters of the token, to tell tokens apart */
    public String getTokenPrefix() {
        return tokenPrefix;
    }

    /** @return when it was created */
    public Instant getCreatedAt() {
        return createdAt;
    }

    /** @return when it was revoked, or null while it is valid */
    public Instant getRevokedAt() {
        return revokedAt;
    }

    /** Revokes the token; it stops authenticating at once. */
    public void revoke() {
        if (revokedAt == null) {
            revokedAt = Instant.now();
        }
    }
}
