package dev.driftwatch.monitor.support;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.security.LoginThrottle;
import dev.driftwatch.monitor.token.ApiToken;
import dev.driftwatch.monitor.token.TokenService;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * What a {@code @WebMvcTest} slice of an {@code /api} controller shares: the real API security chain
 * (the test imports {@code SecurityConfig} and {@code ProjectAccess}) over a mocked token store and
 * project repository, with project {@code demo} (id 7) and its token {@value #TOKEN}.
 *
 * <pre>
 * &#64;WebMvcTest(ProjectController.class)
 * &#64;Import({SecurityConfig.class, ProjectAccess.class})
 * &#64;ImportAutoConfiguration(ServletWebSecurityAutoConfiguration.class)
 * class ProjectSettingsApiSliceTest extends ApiSlice { ... mvc.perform(authorized(put(...))) ... }
 * </pre>
 */
public abstract class ApiSlice {

    /** The token of project {@code demo}. */
    protected static final String TOKEN = "dw_slice";

    /** The controller under test, behind the API's filters. */
    @Autowired
    protected MockMvc mvc;

    /** Resolves {@link #TOKEN} to project {@code demo}; any other token is unknown. */
    @MockitoBean
    protected TokenService tokens;

    /** The UI chain's login throttle (the slice has no UI). */
    @MockitoBean
    protected LoginThrottle loginThrottle;

    /** Finds project {@code demo} by its id. */
    @MockitoBean
    protected ProjectRepository projects;

    /** Project {@code demo}, with the default flagging settings. */
    protected Project demo;

    @BeforeEach
    void projectDemoAndItsToken() {
        demo = project(7L, "demo");
        ApiToken token = mock(ApiToken.class);
        when(token.getProject()).thenReturn(demo);
        when(token.getId()).thenReturn(70L);
        when(tokens.resolve(TOKEN)).thenReturn(Optional.of(token));
        when(projects.findById(7L)).thenReturn(Optional.of(demo));
    }

    /**
     * Returns a project as the database would hold it.
     *
     * @param id its id
     * @param key its key (also its name)
     * @return the project
     */
    protected static Project project(long id, String key) {
        Project p = new Project(key, key);
        ReflectionTestUtils.setField(p, "id", id);
        return p;
    }

    /**
     * Adds {@link #TOKEN} as the bearer token.
     *
     * @param request the request
     * @return the request
     */
    protected static MockHttpServletRequestBuilder authorized(MockHttpServletRequestBuilder request) {
        return request.header("Authorization", "Bearer " + TOKEN);
    }
}
