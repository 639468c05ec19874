package dev.driftwatch.monitor.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** A request authenticated by a project's API token: it may read and write that project only. */
public class ProjectTokenAuthentication extends AbstractAuthenticationToken {

    /** The authority every token request has; the write endpoints require it. */
    public static final String AUTHORITY = "API_TOKEN";

    private final long projectId;
    private final String projectKey;
    private final long tokenId;

    /**
     * Creates an authenticated token principal.
     *
     * @param projectId the token's project id
     * @param projectKey the token's project key
     * @param tokenId the token's id
     */
    public ProjectTokenAuthentication(long projectId, String projectKey, long tokenId) {
        this(projectId, projectKey, tokenId, false);
    }

    /** The authority of a token with the {@code channels} scope (it may create URL channels). */
    public static final String CHANNELS_AUTHORITY = "SCOPE_channels";

    /**
     * Creates an authenticated token principal.
     *
     * @param projectId the token's project id
     * @param projectKey the token's project key
     * @param tokenId the token's id
     * @param channels whether the token may create rules that notify a URL
     */
    public ProjectTokenAuthentication(long projectId, String projectKey, long tokenId, boolean channels) {
        super(channels ? List.of(new SimpleGrantedAuthority(AUTHORITY), new SimpleGrantedAuthority(CHANNELS_AUTHORITY))
                : List.of(new SimpleGrantedAuthority(AUTHORITY)));
        this.projectId = projectId;
        this.projectKey = projectKey;
        this.tokenId = tokenId;
        setAuthenticated(true);
    }

    /** @return the project the token belongs to */
    public long getProjectId() {
        return projectId;
    }

    /** @return that project's key */
    public String getProjectKey() {
        return projectKey;
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return "token:" + tokenId;
    }
}
