package dev.driftwatch.monitor.token;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

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
     * Stores a token unless one with its hash is stored (revoked or not), in one statement: two instances
     * registering the same text at once store it once, and neither fails.
     *
     * @param projectId the project it writes to
     * @param name a display name
     * @param tokenHash SHA-256 of the token text, lower-case hex
     * @param tokenPrefix the first characters of the text
     * @return 1 when stored, 0 when it was there
     */
    @Modifying
    @Transactional
    @Query(value = "INSERT INTO api_token (project_id, name, token_hash, token_prefix) VALUES (:projectId, :name,"
            + " :tokenHash, :tokenPrefix) ON CONFLICT (token_hash) DO NOTHING", nativeQuery = true)
    int createIfAbsent(@Param("projectId") long projectId, @Param("name") String name,
            @Param("tokenHash") String tokenHash, @Param("tokenPrefix") String tokenPrefix);

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
