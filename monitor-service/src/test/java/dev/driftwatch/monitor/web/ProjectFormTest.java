package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.UiSession;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The projects page's form that creates a project. */
class ProjectFormTest extends WebTestBase {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final int AT_ONCE = 8;

    /**
     * The same key sent by several forms at once (a double click, two admins) makes one project; every other
     * form is told it exists already, as one sent afterwards is. The check and the insert were two statements,
     * so the losers of the race hit the key's unique constraint: a 500.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theSameKeyCreatedSeveralTimesAtOnceIsOneProjectAndTheOthersAreToldItExists() throws Exception {
        // a session each: the flash message that says why is the session's
        List<UiSession> sessions = new ArrayList<>();
        for (int i = 0; i < AT_ONCE; i++) {
            sessions.add(UiSession.loggedIn(base(), USER, PASSWORD));
        }
        ExecutorService pool = Executors.newFixedThreadPool(AT_ONCE);
        try {
            for (int round = 0; round < 10; round++) {
                String key = "race-" + UUID.randomUUID().toString().substring(0, 8);
                CyclicBarrier start = new CyclicBarrier(AT_ONCE);
                List<Future<String>> answers = new ArrayList<>();
                for (UiSession session : sessions) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return where(session, key);
                    }));
                }
                List<String> outcomes = new ArrayList<>();
                for (Future<String> answer : answers) {
                    outcomes.add(answer.get());
                }
                List<String> expected = new ArrayList<>(Collections.nCopies(AT_ONCE - 1, "exists already"));
                expected.add("created");
                assertThat(outcomes).as(key).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(projects.findByKey(key)).isPresent();
            }
        } finally {
            pool.shutdownNow();
        }
        // one after the other: the same answers
        String key = "race-" + UUID.randomUUID().toString().substring(0, 8);
        UiSession ui = UiSession.loggedIn(base(), USER, PASSWORD);
        assertThat(where(ui, key)).isEqualTo("created");
        assertThat(where(ui, key)).isEqualTo("exists already");
        // created by one SQL statement, with the schema's defaults: they are the service's
        assertThat(projects.findByKey(key).orElseThrow().getFlagSettings())
                .isEqualTo(dev.driftwatch.monitor.project.FlagSettings.DEFAULTS);
    }

    /**
     * Sends the form for a key and tells what came of it.
     *
     * @return {@code created} (redirected to the project's runs), {@code exists already} (the projects page
     *     again, a 400, saying so), or the unexpected answer
     */
    private static String where(UiSession session, String key) {
        HttpResponse<String> a = session.postForm("/projects", "/projects", FORM, "key=" + key + "&name=race");
        String location = a.headers().firstValue("location").orElse("");
        if (a.statusCode() == 302 && location.endsWith("/projects/" + key + "/runs")) {
            return "created";
        }
        if (a.statusCode() == 400 && a.body().contains("exists already")) {
            return "exists already";
        }
        return a.statusCode() + " " + location + " " + a.body();
    }

    private String base() {
        return "http://localhost:" + port;
    }
}
