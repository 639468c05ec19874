package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where the demos' training rounds (and so their drift checkpoints) end. */
class TrainingRoundsTest {

    @Test
    void evenRoundsEndEveryRoundStepsAndAtTheLastStep() {
        assertThat(Training.evenRounds(100, 20)).containsExactly(20, 40, 60, 80, 100);
        assertThat(Training.evenRounds(90, 40)).containsExactly(40, 80, 90);
        assertThat(Training.evenRounds(7, 20)).containsExactly(7);
        assertThat(Training.evenRounds(3, 1)).containsExactly(1, 2, 3);
    }

    @Test
    void theFirstFifthHasFiveCheckpointsWhereEvenRoundsWouldGiveFewer() {
        // the LM demo: 100 steps in rounds of 20 gave one checkpoint by step 20, a forecast needs five
        assertThat(Training.earlyDenseRounds(100, 20)).containsExactly(4, 8, 12, 16, 20, 40, 60, 80, 100);
        assertThat(Training.earlyDenseRounds(30, 20)).containsExactly(1, 2, 3, 4, 5, 25, 30);
        assertThat(Training.earlyDenseRounds(250, 20)).containsExactly(10, 20, 30, 40, 50, 70, 90, 110, 130, 150,
                170, 190, 210, 230, 250);
    }

    @Test
    void runsWithEnoughEarlyCheckpointsOrTooFewStepsKeepEvenRounds() {
        // the image demo: 900 steps in rounds of 30 already has six checkpoints by step 180
        assertThat(Training.earlyDenseRounds(900, 30)).containsExactly(Training.evenRounds(900, 30));
        assertThat(Training.earlyDenseRounds(1000, 40)).containsExactly(Training.evenRounds(1000, 40));
        // fewer than five steps in the first fifth: no room for five checkpoints
        assertThat(Training.earlyDenseRounds(20, 20)).containsExactly(20);
        assertThat(Training.earlyDenseRounds(24, 5)).containsExactly(5, 10, 15, 20, 24);
    }
}
