package dev.driftwatch.monitor.token;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** API tokens by hash and by project. */
public interface ApiTokenRepository extends JpaRepository<ApiToken, Long> {

    /**
     * Finds a token that is not revoked by the hash of its text, with its project loaded.
     *
     * @param tokenHash SHA-256 of the token text, lower-case hex
     * @return the token, if valid
     */
    @Query("select t from ApiToken t join fetch t.project where t.tokenHash = :tokenHash and t.revokedAt is null")
    Optional<ApiToken> findActiveByHash(String tokenHash);

    /**
     * Finds a token by the hash of its text, revoked or not, with its project loaded.
     *
     * @param tokenHash SHA-256 of the token text, lower-case hex
     * @return the token, if it was ever stored
     */
    @Query("select t from ApiToken t join fetch t.project where t.tokenHash = :tokenHash")
    Optional<ApiToken> findAnyByHash(String tokenHash);

    /**
     * Tells whether a token with this hash exists (revoked or not).
     *
     * @param tokenHash the hash
     * @return true when present
     */
    boolean existsByTokenHash(String tokenHash);

    /**
     * Lists a project's tokens, newest first.
     *
     * @param projectId the project's id
     * @return the tokens
     */
    List<ApiToken> findByProjectIdOrderByCreatedAtDesc(Long projectId);
}
