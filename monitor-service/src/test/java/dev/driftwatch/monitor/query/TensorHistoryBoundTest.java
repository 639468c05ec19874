package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A tensor history is a tensors-by-steps matrix held whole: its steps shrink so that it stays within
 * {@link CheckpointQueryService#MAX_HISTORY_VALUES} values, where 20,000 steps of a run with a wide
 * checkpoint (150,000 tensor names fit one 16 MB batch) asked for 3e9 (an OutOfMemoryError).
 */
class TensorHistoryBoundTest {

    @Test
    void theStepsShrinkWithTheTensorsAndNeverPassTheBound() {
        assertThat(CheckpointQueryService.historyPoints(1000, 83)).isEqualTo(1000);
        assertThat(CheckpointQueryService.historyPoints(20_000, 100)).isEqualTo(20_000);
        assertThat(CheckpointQueryService.historyPoints(20_000, 10_000)).isEqualTo(200);
        assertThat(CheckpointQueryService.historyPoints(20_000, 150_000)).isEqualTo(13);
        assertThat(CheckpointQueryService.historyPoints(20_000, 5_000_000)).isEqualTo(1);
        assertThat(CheckpointQueryService.historyPoints(20_000, 0)).isEqualTo(20_000);
        for (int tensors = 1; tensors < 3_000_000; tensors = tensors * 3 + 1) {
            for (int points : new int[] {4, 1000, 20_000}) {
                int steps = CheckpointQueryService.historyPoints(points, tensors);
                assertThat(steps).isBetween(1, points);
                assertThat((long) steps * tensors).as("%d tensors, %d points", tensors, points)
                        .isLessThanOrEqualTo(Math.max(tensors, CheckpointQueryService.MAX_HISTORY_VALUES));
            }
        }
    }
}
