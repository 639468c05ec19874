package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The demo's step delay: 40 ms by default in the full demo (so a person can watch the runs move, as
 * docs/quickstart.md says), none in the quick demo the tests run, and {@code --step-delay} wins over
 * both.
 */
class DemoOptionsTest {

    @Test
    void theFullDemoPausesFortyMillisecondsAfterEachStepByDefault() {
        assertThat(DemoOptions.parse().config().stepDelayMillis()).isEqualTo(40);
    }

    @Test
    void theQuickDemoDoesNotPause() {
        assertThat(DemoOptions.parse("--quick").config().stepDelayMillis()).isZero();
    }

    @Test
    void stepDelayWinsOverTheDefaults() {
        assertThat(DemoOptions.parse("--step-delay", "5").config().stepDelayMillis()).isEqualTo(5);
        assertThat(DemoOptions.parse("--quick", "--step-delay", "7").config().stepDelayMillis()).isEqualTo(7);
        assertThat(DemoOptions.parse("--step-delay", "0").config().stepDelayMillis()).isZero();
    }
}
