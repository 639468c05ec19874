package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The look-back of a checkpoint's rate rules reads each earlier checkpoint once, however many rules ask for it,
 * and remembers a run too short for the window (null) as well.
 */
class ReadOnceTest {

    @Test
    void eachArgumentIsReadOnceAndNullAnswersAreKept() {
        List<Integer> reads = new ArrayList<>();
        IntFunction<String> once = AlertEvaluator.readOnce(n -> {
            reads.add(n);
            return n > 10 ? null : "checkpoint " + n + " back";
        });

        for (int rule = 0; rule < 50; rule++) {
            assertThat(once.apply(5)).isEqualTo("checkpoint 5 back");
            assertThat(once.apply(20)).isNull();
        }
        assertThat(once.apply(3)).isEqualTo("checkpoint 3 back");

        assertThat(reads).containsExactly(5, 20, 3);
    }
}
