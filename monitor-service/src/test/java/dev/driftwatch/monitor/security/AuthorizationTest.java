package dev.driftwatch.monitor.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import dev.driftwatch.monitor.token.ApiTokenRepository;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** A token writes and reads only its project: 401 without a valid token, 403 for another project. */
class AuthorizationTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;

    @Autowired
    private ApiTokenRepository tokenRepository;

    private String otherProject;
    private String otherToken;
    private String runKey;

    @BeforeEach
    void setUp() {
        OwnProject other = newProject("other");
        otherProject = other.key();
        otherToken = other.token();
        runKey = uniqueRunKey("auth");
        assertThat(api().putRun(P, runKey, Payloads.run("full", 10, 10)).status()).isEqualTo(201);
    }

    @Test
    void tokensAreStoredOnlyAsHashes() {
        assertThat(otherToken).startsWith("dw_");
        Integer plain = jdbc.queryForObject("SELECT count(*) FROM api_token WHERE token_hash = ? OR token_prefix = ?",
                Integer.class, otherToken, otherToken);
        assertThat(plain).isZero();
        assertThat(tokenRepository.existsByTokenHash(dev.driftwatch.monitor.token.TokenHash.of(otherToken))).isTrue();
    }

    @Test
    void missingOrUnknownTokenIs401Problem() {
        for (ApiClient client : new ApiClient[] {api().withToken(null), api().withToken("dw_nope")}) {
            ApiClient.Answer write = client.postCheckpoints(P, runKey, Payloads.batch(Payloads.checkpoint(1, 0.1)));
            assertThat(write.status()).isEqualTo(401);
            assertThat(write.isProblem()).isTrue();
            ApiClient.Answer read = client.get("/api/v1/projects/" + P + "/runs");
            assertThat(read.status()).isEqualTo(401);
            assertThat(read.isProblem()).isTrue();
        }
        ApiClient.Answer notBearer = api().withToken(null).send("GET", "/api/v1/projects/" + P + "/runs", null, null, false);
        assertThat(notBearer.status()).isEqualTo(401);
        assertThat(checkpointCount(runKey)).isZero();
    }

    @Test
    void tokenOfAnotherProjectIs403ForWritesAndReads() {
        ApiClient other = api().withToken(otherToken);
        ApiClient.Answer write = other.postCheckpoints(P, runKey, Payloads.batch(Payloads.checkpoint(1, 0.1)));
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.isProblem()).isTrue();
        assertThat(other.putRun(P, "intruder", Payloads.run("full", 10, 10)).status()).isEqualTo(403);
        assertThat(other.get("/api/v1/projects/" + P + "/runs/" + runKey).status()).isEqualTo(403);
        assertThat(other.get("/api/v1/projects/" + P + "/runs/" + runKey + "/trajectory").status()).isEqualTo(403);
        assertThat(checkpointCount(runKey)).isZero();
        // and the token works on its own project
        assertThat(other.putRun(otherProject, "mine", Payloads.run("full", 10, 10)).status()).isEqualTo(201);
        assertThat(other.get("/api/v1/projects").json().size()).isEqualTo(1);
    }

    @Test
    void revokedTokenIs401() {
        var record = tokenRepository.findActiveByHash(dev.driftwatch.monitor.token.TokenHash.of(otherToken))
                .orElseThrow();
        record.revoke();
        tokenRepository.save(record);
        assertThat(api().withToken(otherToken).get("/api/v1/projects/" + otherProject).status()).isEqualTo(401);
    }
}
