package dev.driftwatch.monitor.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import dev.driftwatch.monitor.support.Payloads;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@link PayloadParser}: the 422 limits before binding, and the contract's defaults after it. */
class PayloadParserTest {

    private static final LocalValidatorFactoryBean VALIDATOR = new LocalValidatorFactoryBean();
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    static {
        VALIDATOR.afterPropertiesSet();
    }

    private final PayloadParser parser = new PayloadParser(new IngestProperties(null, 3, 2, 10, 10), VALIDATOR);

    @AfterAll
    static void close() {
        VALIDATOR.close();
    }

    @Test
    void moreItemsThanTheLimitIs422BeforeAnythingIsBound() {
        ObjectNode c = Payloads.checkpoint(1, 0.1).put("step", "not even an integer");
        ArrayNode slices = c.putArray("slices");
        for (int i = 0; i < 3; i++) {
            slices.addObject().put("slice", "s" + i);
        }
        ApiProblem p = catchThrowableOfType(ApiProblem.class,
                () -> parser.batch(Payloads.batch(c), "r1", 1.0, NOW));
        assertThat(p.getStatus().value()).isEqualTo(422);
        assertThat(p.getErrors()).containsExactly(new FieldProblem("checkpoints[0].slices", "must have at most 2 items"));

        // an object where the list belongs is a 400 for its type, however many properties it has
        ObjectNode o = Payloads.checkpoint(1, 0.1);
        ObjectNode notAList = o.putObject("slices");
        for (int i = 0; i < 3; i++) {
            notAList.put("s" + i, 1);
        }
        p = catchThrowableOfType(ApiProblem.class, () -> parser.batch(Payloads.batch(o), "r1", 1.0, NOW));
        assertThat(p.getStatus().value()).isEqualTo(400);
        assertThat(p.getErrors()).containsExactly(new FieldProblem("checkpoints[0].slices", "must be an array"));
    }

    @Test
    void theContractsDefaultsAreApplied() {
        CheckpointReport c = parser.batch(Payloads.batch(Payloads.checkpoint(5, 0.1)), "r1", 1.5, NOW).get(0);
        assertThat(c.runKey()).isEqualTo("r1");
        assertThat(c.epoch()).isZero();
        assertThat(c.time()).isEqualTo(NOW);
        assertThat(c.valid()).isTrue();
        assertThat(c.approximation()).isEqualTo("exact");
        assertThat(c.temperature()).isEqualTo(1.5);
        assertThat(c.slices()).isEmpty();
        assertThat(c.parameters()).isNull();
        assertThat(c.taskMetrics()).isEmpty();

        ObjectNode body = Payloads.run("lora", 100, 10);
        body.remove("temperature");
        body.remove("startedAt");
        body.putArray("tags").add("a").add("b").add("a");
        RunInfo run = parser.run(body, "r1");
        assertThat(run.tags()).containsExactly("a", "b");
        assertThat(run.temperature()).isEqualTo(1.0);
        // no time: the service sets it (the time of receipt), and only for a new run
        assertThat(run.startedAt()).isNull();
        assertThat(parser.end(Payloads.run("x", 1, 1).removeAll().put("status", "completed"), "r1").endedAt())
                .isNull();
    }
}
