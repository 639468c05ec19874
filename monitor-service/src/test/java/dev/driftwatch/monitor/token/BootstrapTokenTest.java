package dev.driftwatch.monitor.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * F4: the bootstrap runs at every start with the same settings. After its token was revoked, the
 * next start must neither fail (it used to insert the hash again: duplicate key, the JVM exited, a
 * crash loop under the chart) nor bring the revoked token back.
 */
class BootstrapTokenTest extends ServiceTestBase {

    @Autowired
    private ProjectRepository projects;
    @Autowired
    private TokenService tokens;
    @Autowired
    private ApiTokenRepository repository;

    @Test
    void aRevokedBootstrapTokenSurvivesRestartsAndStaysRevoked() {
        String key = "boot-" + UUID.randomUUID().toString().substring(0, 8);
        String text = "dw_bootstrap_" + UUID.randomUUID();
        Bootstrap start = new Bootstrap(new BootstrapProperties(key, text), projects, tokens);
        start.run(null);
        ApiToken token = tokens.resolve(text).orElseThrow();
        start.run(null); // a restart: idempotent
        assertThat(jdbc.queryForObject("SELECT count(*) FROM api_token WHERE token_hash = ?", Long.class,
                TokenHash.of(text))).isEqualTo(1);

        ApiToken stored = repository.findById(token.getId()).orElseThrow();
        stored.revoke();
        repository.saveAndFlush(stored);
        assertThat(tokens.resolve(text)).isEmpty();

        for (int restart = 0; restart < 3; restart++) {
            new Bootstrap(new BootstrapProperties(key, text), projects, tokens).run(null);
        }
        assertThat(tokens.resolve(text)).as("a revoked token stays revoked").isEmpty();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM api_token WHERE token_hash = ?", Long.class,
                TokenHash.of(text))).isEqualTo(1);
        assertThat(api().withToken(text).get("/api/v1/projects/" + key).status()).isEqualTo(401);
    }

    /**
     * Two instances starting at once on one new database (the chart with two replicas): both bootstraps
     * looked for the project and the token, found neither, and the second insert failed its unique key, which
     * stopped that instance's start. Each start now inserts what is missing in one statement.
     */
    @Test
    void twoInstancesBootstrappingAtOnceBothStartAndStoreOneProjectAndOneToken() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 12; round++) {
                String key = "twin-" + UUID.randomUUID().toString().substring(0, 8);
                String text = "dw_twin_" + UUID.randomUUID();
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<?>> starts = new ArrayList<>();
                for (int instance = 0; instance < 2; instance++) {
                    starts.add(two.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        new Bootstrap(new BootstrapProperties(key, text), projects, tokens).run(null);
                        return null;
                    }));
                }
                for (Future<?> start : starts) {
                    start.get(30, TimeUnit.SECONDS); // throws where a start failed
                }
                assertThat(jdbc.queryForObject("SELECT count(*) FROM project WHERE project_key = ?", Long.class, key))
                        .isEqualTo(1);
                assertThat(jdbc.queryForObject("SELECT count(*) FROM api_token WHERE token_hash = ?", Long.class,
                        TokenHash.of(text))).isEqualTo(1);
                assertThat(tokens.resolve(text).orElseThrow().getProject().getKey()).isEqualTo(key);
            }
        } finally {
            two.shutdownNow();
        }
    }
}
