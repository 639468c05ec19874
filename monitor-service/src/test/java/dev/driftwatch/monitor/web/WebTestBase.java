package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.token.TokenService;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

/**
 * The running app on the tests' shared embedded PostgreSQL, with a configured UI password. Every test
 * class extending it shares one application context; each uses a project of its own.
 */
@ServiceTest
@TestPropertySource(properties = {
        "driftwatch.security.admin-username=" + WebTestBase.USER,
        "driftwatch.security.admin-password=" + WebTestBase.PASSWORD})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WebTestBase {

    /** The UI user. */
    static final String USER = "admin";
    /** Its password, configured (so nothing is generated). */
    static final String PASSWORD = "ui-test-password";

    @LocalServerPort
    int port;

    /** The logged-in browser of the test class, if it started one; closed after the class. */
    Browser browser;

    @Autowired
    ProjectRepository projects;

    @Autowired
    TokenService tokens;

    /**
     * Creates a project of its own for a test class, so its runs are the only ones its pages show.
     *
     * @param key the project key
     * @return an upload client with a fresh token of that project
     */
    Uploads newProject(String key) {
        Project project = projects.findByKey(key).orElseGet(() -> projects.save(new Project(key, key + " project")));
        return new Uploads(port, key, tokens.issue(project, "test").token());
    }

    /**
     * Starts a browser and logs it in.
     *
     * @return the browser
     * @throws IOException when it cannot start
     */
    Browser loggedInBrowser() throws IOException {
        Browser started = Browser.start(port);
        started.login(USER, PASSWORD);
        return started;
    }

    @AfterAll
    void closeBrowser() throws IOException {
        if (browser != null) {
            browser.close();
        }
    }
}
