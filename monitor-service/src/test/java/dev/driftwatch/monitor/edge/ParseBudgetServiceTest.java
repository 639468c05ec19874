package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/**
 * A body within the size limits whose tree would exhaust the heap: 16 MiB of empty objects, sent gzipped (16
 * KiB on the wire), would become ~450 MiB of tree; on a 512 MiB heap it ran the service out of memory, after
 * which no request was answered. It is refused while it is read, at the parse budget ({@link ParseBudget}),
 * and the service goes on.
 */
class ParseBudgetServiceTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;

    @Autowired
    private FilterRegistrationBean<ParseBudget> parseBudget;

    @Test
    void aBodyWhoseTreeWouldExhaustTheHeapIsRefusedAndTheServiceGoesOn() {
        ParseBudget budget = parseBudget.getFilter();
        assertThat(budget.budgetBytes()).isEqualTo(256L << 20);
        int full = budget.freeKiB();
        String runKey = uniqueRunKey("tree");
        assertThat(api().putRun(P, runKey, Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        StringBuilder b = new StringBuilder(16 << 20).append("{\"checkpoints\":[{}");
        while (b.length() < (16 << 20) - 64) {
            b.append(",{}");
        }
        byte[] body = b.append("]}").toString().getBytes(StandardCharsets.UTF_8);

        ApiClient.Answer a = api().send("POST", "/api/v1/projects/" + P + "/runs/" + runKey + "/checkpoints",
                "application/json", body, true);

        assertThat(a.status()).as(a.text()).isEqualTo(413);
        assertThat(a.contentType()).startsWith("application/problem+json");
        assertThat(a.json().get("detail").asString()).contains("MiB of heap the service keeps for parsing bodies")
                .contains("driftwatch.api.parse-budget");
        assertThat(budget.freeKiB()).as("the budget given back").isEqualTo(full);
        // the run and the service are as they were
        ApiClient.Answer checkpoint = api().postCheckpoints(P, runKey, Payloads.batch(Payloads.checkpoint(0, 0.1)));
        assertThat(checkpoint.status()).as(checkpoint.text()).isEqualTo(200);
        assertThat(api().get("/api/v1/projects/" + P + "/runs/" + runKey).status()).isEqualTo(200);
    }
}
