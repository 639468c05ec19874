package dev.driftwatch.monitor.ingest;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.ContractVersion;
import dev.driftwatch.monitor.run.RunRepository;
import dev.driftwatch.monitor.security.ProjectAccess;
import dev.driftwatch.monitor.security.SecurityConfig;
import dev.driftwatch.monitor.support.ApiSlice;
import dev.driftwatch.monitor.support.Payloads;
import java.util.List;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ingestion controller's 4xx paths as a {@code @WebMvcTest} slice: the controller, its body
 * reader and payload parser, the API's security chain and the problem handler, with the ingestion
 * service and the repositories mocked. Each refused request is a problem naming what is wrong, and
 * the service is never called; the 505 generated cases against the whole service on PostgreSQL are
 * {@code BadInputTest}'s.
 */
@WebMvcTest(IngestController.class)
@Import({SecurityConfig.class, ProjectAccess.class, RequestBodyReader.class})
// spring-boot-security-test would add this to every @WebMvcTest; the slice names it instead
@ImportAutoConfiguration(ServletWebSecurityAutoConfiguration.class)
class IngestControllerSliceTest extends ApiSlice {

    private static final String RUN = "/api/v1/projects/demo/runs/{runKey}";

    @MockitoBean
    private IngestService ingest;
    @MockitoBean
    private RunRepository runs;

    private static MockHttpServletRequestBuilder json(MockHttpServletRequestBuilder request, Object body) {
        return authorized(request).contentType(MediaType.APPLICATION_JSON).content(body.toString());
    }

    @Test
    void aBodyThatIsNotJsonByItsContentTypeIs415() throws Exception {
        mvc.perform(authorized(put(RUN, "r1")).contentType(MediaType.TEXT_PLAIN)
                        .content(Payloads.run("full", 100, 100).toString()))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("Content-Type"));
        verifyNoInteractions(ingest);
    }

    @Test
    void anUnknownContentEncodingIs415() throws Exception {
        mvc.perform(json(put(RUN, "r1"), Payloads.run("full", 100, 100)).header("Content-Encoding", "br"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(jsonPath("$.errors[0].field").value("Content-Encoding"));
        verifyNoInteractions(ingest);
    }

    @Test
    void anotherMajorContractVersionIs400NamingTheHeader() throws Exception {
        mvc.perform(json(put(RUN, "r1"), Payloads.run("full", 100, 100)).header(ContractVersion.HEADER, "2.0"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value(ContractVersion.HEADER));
        verifyNoInteractions(ingest);
    }

    @Test
    void aBadRunKeyIs400NamingIt() throws Exception {
        mvc.perform(json(post(RUN + "/finish", "bad key!"), "{\"status\":\"completed\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("runKey"));
        verifyNoInteractions(ingest);
    }

    @Test
    void brokenJsonIs400SayingWhere() throws Exception {
        mvc.perform(json(put(RUN, "r1"), "{\"method\": \"full\","))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("body"))
                .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.startsWith(
                        "is not valid JSON at line 1")));
        mvc.perform(json(put(RUN, "r1"), "{\"method\": \"full\", \"method\": \"lora\"}"))
                .andExpect(status().isBadRequest());
        mvc.perform(authorized(put(RUN, "r1")).contentType(MediaType.APPLICATION_JSON))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].message").value("is required"));
        verifyNoInteractions(ingest);
    }

    @Test
    void aRunWithoutItsSizesIs400NamingTheField() throws Exception {
        ObjectNode run = Payloads.run("full", 100, 100);
        run.remove("totalParameters");

        mvc.perform(json(put(RUN, "r1"), run))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("totalParameters"));
        verifyNoInteractions(ingest);
    }

    @Test
    void aBadRunEndIs400NamingTheStatus() throws Exception {
        mvc.perform(json(post(RUN + "/finish", "r1"), "{\"status\":\"exploded\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("status"));
        verifyNoInteractions(ingest);
    }

    @Test
    void aBatchWithOneBadCheckpointIsRefusedWholeAndSaysWhichOne() throws Exception {
        // the service parses inside its transaction (the run's temperature comes from the database)
        when(ingest.storeCheckpoints(any(), anyString(), any())).thenAnswer(call -> {
            DoubleFunction<List<CheckpointReport>> parse = call.getArgument(2);
            List<CheckpointReport> parsed = parse.apply(1.0);
            return new IngestService.IngestResult(parsed.size(), 0, List.of());
        });
        ObjectNode bad = Payloads.checkpoint(2, 0.1);
        ((ObjectNode) bad.get("metrics").get("kl_base_ft")).put("p50", 99.0); // above max

        mvc.perform(json(post(RUN + "/checkpoints", "r1"), Payloads.batch(Payloads.checkpoint(1, 0.1), bad)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value(org.hamcrest.Matchers.startsWith(
                        "checkpoints[1].metrics.kl_base_ft")))
                .andExpect(jsonPath("$.rejected.length()").value(1))
                .andExpect(jsonPath("$.rejected[0].index").value(1))
                .andExpect(jsonPath("$.rejected[0].step").value(2));

        mvc.perform(json(post(RUN + "/checkpoints", "r1"), Payloads.batch(Payloads.checkpoint(1, 0.1),
                        Payloads.checkpoint(2, 0.1))))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.accepted").value(2));
    }

    @Test
    void withoutATokenNothingIsRead() throws Exception {
        mvc.perform(put(RUN, "r1").contentType(MediaType.APPLICATION_JSON)
                        .content(Payloads.run("full", 100, 100).toString()))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(ingest);
    }
}
