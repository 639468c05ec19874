package dev.driftwatch.monitor.support;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.token.TokenService;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** Base of the tests against the running service: an API client and direct SQL for assertions. */
@ServiceTest
public abstract class ServiceTestBase {

    @LocalServerPort
    private int port;

    /** Direct SQL, to assert what is (not) stored. */
    @Autowired
    protected JdbcTemplate jdbc;

    @Autowired
    private ProjectRepository projects;
    @Autowired
    private TokenService tokens;

    /**
     * A project of its own with a token.
     *
     * @param key the project key
     * @param token the project's token
     * @param api a client with that token
     */
    protected record OwnProject(String key, String token, ApiClient api) {}

    /**
     * Creates a new project and a token for it, for tests that must not see other tests' runs.
     *
     * @param prefix a readable prefix of the key
     * @return the project and a client
     */
    protected OwnProject newProject(String prefix) {
        String key = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        Project p = projects.save(new Project(key, key));
        String token = tokens.issue(p, "test").token();
        return new OwnProject(key, token, api().withToken(token));
    }

    /**
     * The service's port, for tests that speak HTTP on a raw socket.
     *
     * @return the port
     */
    protected int port() {
        return port;
    }

    /**
     * A client with the bootstrap token.
     *
     * @return the client
     */
    protected ApiClient api() {
        return new ApiClient("http://localhost:" + port, ServiceTest.TOKEN);
    }

    /**
     * A run key no other test uses.
     *
     * @param prefix a readable prefix
     * @return the key
     */
    protected static String uniqueRunKey(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Counts a run's stored checkpoints.
     *
     * @param runKey the run key (in the bootstrap project)
     * @return the count
     */
    protected long checkpointCount(String runKey) {
        return jdbc.queryForObject("SELECT count(*) FROM checkpoint c JOIN run r ON r.id = c.run_id"
                + " JOIN project p ON p.id = r.project_id WHERE p.project_key = ? AND r.run_key = ?",
                Long.class, ServiceTest.PROJECT, runKey);
    }
}
