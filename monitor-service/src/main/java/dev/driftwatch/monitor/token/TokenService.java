package dev.driftwatch.monitor.token;

import dev.driftwatch.monitor.project.Project;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Issues and resolves project-scoped API tokens. */
@Service
public class TokenService {

    /** Every token starts with this, so a leaked one is easy to recognise. */
    public static final String TOKEN_PREFIX = "dw_";
    /**
     * The one token format, of issued tokens and of the ones the docs tell operators to make for the
     * bootstrap settings: the prefix and 256 random bits in URL-safe base64 without padding (43 characters).
     */
    public static final Pattern FORMAT = Pattern.compile("dw_[A-Za-z0-9_-]{43}");

    private final ApiTokenRepository tokens;
    private final SecureRandom random = new SecureRandom();

    TokenService(ApiTokenRepository tokens) {
        this.tokens = tokens;
    }

    /**
     * The text of a new token, shown once, and its stored record.
     *
     * @param token the text to hand to the user; it is not stored
     * @param record the stored token
     */
    public record IssuedToken(String token, ApiToken record) {}

    /**
     * Revokes one of a project's tokens, in one transaction.
     *
     * @param project the project
     * @param tokenId the token's id
     * @return false when the project has no such token
     */
    @Transactional
    public boolean revoke(Project project, long tokenId) {
        Optional<ApiToken> token = tokens.findById(tokenId).filter(t -> t.getProject().getId().equals(project.getId()));
        token.ifPresent(t -> {
            t.revoke();
            tokens.save(t);
        });
        return token.isPresent();
    }

    /**
     * Creates a new random token for a project.
     *
     * @param project the project it writes to
     * @param name a display name
     * @return the token text (shown once) and its record
     */
    @Transactional
    public IssuedToken issue(Project project, String name) {
        return issue(project, name, false);
    }

    /**
     * Issues a new token for a project, optionally with the {@link ApiToken#SCOPE_CHANNELS} scope.
     *
     * @param project the project it writes to
     * @param name a display name
     * @param channels whether it may create rules that notify a URL (webhook or Slack channels)
     * @return the token text (shown once) and its record
     */
    @Transactional
    public IssuedToken issue(Project project, String name, boolean channels) {
        String text = newText(random);
        ApiToken token = register(project, name, text);
        if (channels) {
            token.grant(ApiToken.SCOPE_CHANNELS);
            token = tokens.save(token);
        }
        return new IssuedToken(text, token);
    }

    /**
     * Makes the text of a new token in the {@link #FORMAT}.
     *
     * @param random the source of its 256 random bits
     * @return the text
     */
    static String newText(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Stores a token whose text the caller chose (the bootstrap settings), unless it exists already.
     * A token that exists but was revoked stays revoked: configuring its text again (every restart
     * with the same settings) neither revives it nor fails the start, and two instances starting at once on
     * one database store it once (an insert that does nothing where the hash is stored, not a look then a save).
     *
     * @param project the project it writes to
     * @param name a display name
     * @param text the token text
     * @return the stored token, possibly revoked
     */
    @Transactional
    public ApiToken register(Project project, String name, String text) {
        String hash = TokenHash.of(text);
        tokens.createIfAbsent(project.getId(), name, hash, text.substring(0, Math.min(8, text.length())));
        return tokens.findAnyByHash(hash).orElseThrow();
    }

    /**
     * Grants a scope to a stored token.
     *
     * @param token the token
     * @param scope e.g. {@link ApiToken#SCOPE_CHANNELS}
     * @return the token
     */
    @Transactional
    public ApiToken grant(ApiToken token, String scope) {
        ApiToken stored = tokens.findById(token.getId()).orElseThrow();
        stored.grant(scope);
        return tokens.save(stored);
    }

    /**
     * Resolves a token text to its valid (not revoked) token.
     *
     * @param text the token text from the request
     * @return the token with its project, or empty
     */
    @Transactional(readOnly = true)
    public Optional<ApiToken> resolve(String text) {
        return tokens.findActiveByHash(TokenHash.of(text));
    }
}
