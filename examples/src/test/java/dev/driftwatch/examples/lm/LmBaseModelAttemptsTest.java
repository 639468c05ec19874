package dev.driftwatch.examples.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.TrainingDivergedException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pretraining that diverges is retried: once as it was, then at half the learning rate, then it fails. */
class LmBaseModelAttemptsTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final List<Integer> tried = new ArrayList<>();

    @Test
    void aTransientDivergenceIsRetriedWithTheSameSettings() {
        LmBaseModel.attempts(n -> {
            tried.add(n);
            if (n == 1) {
                throw new TrainingDivergedException("the training loss became NaN at step 7 of 400");
            }
        }, out);
        assertThat(tried).containsExactly(1, 2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("at step 7 of 400", "with the same settings");
    }

    @Test
    void theLastAttemptHalvesTheRateAndItsFailureIsReported() {
        assertThatThrownBy(() -> LmBaseModel.attempts(n -> {
            tried.add(n);
            throw new TrainingDivergedException("NaN at step " + n);
        }, out)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("diverged " + LmBaseModel.ATTEMPTS + " times")
                .hasMessageContaining("NaN at step 3");
        assertThat(tried).containsExactly(1, 2, 3);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("at half the learning rate");
    }

    @Test
    void otherFailuresAreNotRetried() {
        assertThatThrownBy(() -> LmBaseModel.attempts(n -> {
            tried.add(n);
            throw new IllegalArgumentException("bad corpus");
        }, out)).isInstanceOf(IllegalArgumentException.class);
        assertThat(tried).containsExactly(1);
    }
}
