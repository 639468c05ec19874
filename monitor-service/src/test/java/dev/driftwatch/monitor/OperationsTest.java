package dev.driftwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Health and readiness probes, and the OpenAPI document with its copy in docs/api. */
class OperationsTest extends ServiceTestBase {

    /** The copy of the OpenAPI document in the repository. */
    static final Path OPENAPI_COPY = Path.of("..", "docs", "api", "openapi.json");

    @Test
    void healthLivenessAndReadinessAreUp() {
        ApiClient anonymous = api().withToken(null);
        for (String path : new String[] {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"}) {
            ApiClient.Answer a = anonymous.get(path);
            assertThat(a.status()).as(path).isEqualTo(200);
            assertThat(a.json().get("status").stringValue()).isEqualTo("UP");
            // a write is told the method is not served (it was a 403 for a missing CSRF token)
            ApiClient.Answer post = anonymous.json("POST", path, "{}");
            assertThat(post.status()).as(path).isEqualTo(405);
            assertThat(post.isProblem()).isTrue();
        }
    }

    /** A health group that does not exist is a 404 saying so, not an empty answer. */
    @Test
    void anUnknownHealthGroupIsANotFoundProblem() {
        ApiClient anonymous = api().withToken(null);
        for (String path : new String[] {"/actuator/health/x", "/actuator/health/liveness/x"}) {
            ApiClient.Answer a = anonymous.get(path);
            assertThat(a.status()).as(path).isEqualTo(404);
            assertThat(a.isProblem()).as(path).isTrue();
            assertThat(a.json().get("detail").stringValue()).as(path).isEqualTo("nothing is served at this path");
        }
    }

    /**
     * Keeps docs/api/openapi.json equal to the served document: when they differ the copy is
     * rewritten and the test fails, so the change shows up in the diff and is committed.
     */
    @Test
    void openApiCopyInDocsIsInSync() throws Exception {
        ApiClient.Answer a = api().withToken(null).get("/v3/api-docs");
        assertThat(a.status()).isEqualTo(200);
        JsonNode served = a.json();
        assertThat(served.get("paths").has("/api/v1/projects/{project}/runs/{runKey}/checkpoints")).isTrue();
        String pretty = ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(served) + "\n";
        String copy = Files.exists(OPENAPI_COPY) ? Files.readString(OPENAPI_COPY, StandardCharsets.UTF_8) : "";
        if (!copy.equals(pretty)) {
            Files.writeString(OPENAPI_COPY, pretty, StandardCharsets.UTF_8);
        }
        assertThat(copy).as("docs/api/openapi.json was out of date and has been rewritten; commit it")
                .isEqualTo(pretty);
    }
}
