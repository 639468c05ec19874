package dev.driftwatch.monitor.project.api;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.FlagSettings;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectSettingsService;
import dev.driftwatch.monitor.security.ProjectAccess;
import dev.driftwatch.monitor.security.SecurityConfig;
import dev.driftwatch.monitor.support.ApiSlice;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The project settings API ({@code PUT /api/v1/projects/{project}/settings}) as a {@code @WebMvcTest}
 * slice: the controller, the API's security chain and the problem handler, with the settings service
 * and the repositories mocked. It shows what the controller itself decides — which body is a 400
 * naming which field, which token may write, how a partial change is merged — without a database;
 * the service's own range checks and the re-flagging are {@code SettingsApiTest}'s, on PostgreSQL.
 */
@WebMvcTest(ProjectController.class)
@Import({SecurityConfig.class, ProjectAccess.class})
// spring-boot-security-test would add this to every @WebMvcTest; the slice names it instead
@ImportAutoConfiguration(ServletWebSecurityAutoConfiguration.class)
class ProjectSettingsApiSliceTest extends ApiSlice {

    @MockitoBean
    private ProjectSettingsService settings;

    private static MockHttpServletRequestBuilder putSettings(String project, String body) {
        return authorized(put("/api/v1/projects/{project}/settings", project))
                .contentType(MediaType.APPLICATION_JSON).content(body);
    }

    @Test
    void aChangeReplacesOnlyTheSettingsGiven() throws Exception {
        FlagSettings before = demo.getFlagSettings();
        FlagSettings expected = new FlagSettings(before.trainableFractionThreshold(), 0.3, before.driftFactor(),
                before.lossTolerance());
        Project after = project(7L, "demo");
        after.setFlagSettings(expected);
        when(settings.update(7L, expected)).thenReturn(after);

        mvc.perform(putSettings("demo", "{\"klThreshold\": 0.3}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.key").value("demo"))
                .andExpect(jsonPath("$.flagSettings.klThreshold").value(0.3))
                .andExpect(jsonPath("$.flagSettings.driftFactor").value(before.driftFactor()));
        verify(settings).update(7L, expected);
    }

    @Test
    void aSettingThatIsNotANumberIsA400NamingItAndNothingIsStored() throws Exception {
        mvc.perform(putSettings("demo", "{\"klThreshold\": \"high\", \"driftFactor\": 4}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("klThreshold"))
                .andExpect(jsonPath("$.errors[0].message").value("must be a number"))
                .andExpect(jsonPath("$.errors.length()").value(1));
        verifyNoInteractions(settings);
    }

    @Test
    void aFieldThatIsNotASettingIsA400ListingTheSettings() throws Exception {
        mvc.perform(putSettings("demo", "{\"klTreshold\": 0.3}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("klTreshold"))
                .andExpect(jsonPath("$.errors[0].message").value(
                        "is not a setting; the settings are trainableFractionThreshold, klThreshold, driftFactor,"
                                + " lossTolerance"));
        verifyNoInteractions(settings);
    }

    @Test
    void aBodyThatIsNotAnObjectIsA400NamingTheBody() throws Exception {
        mvc.perform(putSettings("demo", "[0.3]"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("body"));
        verifyNoInteractions(settings);
    }

    @Test
    void theServicesRangeProblemIsAnsweredAsAProblem() throws Exception {
        when(settings.update(anyLong(), any(FlagSettings.class))).thenThrow(ApiProblem.invalid(
                List.of(new ApiProblem.FieldProblem("driftFactor", "must be a finite number in [1.0, 1.8E308]"))));

        mvc.perform(putSettings("demo", "{\"driftFactor\": 0.5}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("driftFactor"));
    }

    @Test
    void aTokenMayOnlyChangeItsOwnProject() throws Exception {
        when(projects.findByKey("other")).thenReturn(Optional.of(project(8L, "other")));

        mvc.perform(putSettings("other", "{\"klThreshold\": 0.3}"))
                .andExpect(status().isForbidden())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("this token does not belong to project 'other'"));
        verifyNoInteractions(settings);
    }

    @Test
    void withoutATokenNothingIsChanged() throws Exception {
        mvc.perform(put("/api/v1/projects/demo/settings").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"klThreshold\": 0.3}"))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(put("/api/v1/projects/demo/settings").header("Authorization", "Bearer dw_unknown")
                        .contentType(MediaType.APPLICATION_JSON).content("{\"klThreshold\": 0.3}"))
                .andExpect(status().isUnauthorized());
        verifyNoInteractions(settings);
        verify(tokens).resolve(eq("dw_unknown"));
    }
}
