package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftwatch.plugin.probe.ProbeSet;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The demo's data split and probe set, on the synthetic stand-in (no files needed). */
class DemoTaskTest {

    private final DemoConfig config = new DemoConfig(Path.of("unused"), Path.of("unused"), 1, 1_000, 1, 500, 10, 5,
            16, 10, 100, 2, List.of(FineTuneMethod.HEAD), 0);
    private final DemoData data = DemoData.synthetic(3_000, 1_000, 1);

    @Test
    void probesHaveEveryClassWithItsSlice() {
        ProbeSet probes = DemoTask.probes(data, config);

        assertThat(probes.size()).isEqualTo(10 * config.probesPerClass());
        assertThat(probes.sliceNames()).containsExactlyInAnyOrder(DemoTask.ON_TASK, DemoTask.OFF_TASK_FOOTWEAR,
                DemoTask.OFF_TASK_OTHER);
        assertThat(Collections.frequency(probes.slices(), DemoTask.ON_TASK)).isEqualTo(4 * config.probesPerClass());
        assertThat(probes.ids()).allMatch(id -> id.matches("test-\\d+ \\(class-\\d\\)"));
    }

    @Test
    void validationHoldsOnlyOnTaskImagesThatAreNotProbes() {
        ProbeSet probes = DemoTask.probes(data, config);
        DemoTask.Examples validation = DemoTask.validation(data, config);

        Set<String> probeIndices = new HashSet<>();
        probes.ids().forEach(id -> probeIndices.add(id.substring(5, id.indexOf(' '))));
        assertThat(validation.count()).isEqualTo(config.validationImages());
        for (int i = 0; i < validation.count(); i++) {
            assertThat(DemoTask.ON_TASK_CLASSES).contains((int) validation.labels()[i]);
            assertThat(probeIndices).doesNotContain(Integer.toString(validation.indices()[i]));
        }
    }

    @Test
    void fineTuningUsesOnlyOnTaskImagesAfterThePretrainingOnes() {
        DemoTask.Examples pretraining = DemoTask.pretraining(data, config);
        DemoTask.Examples fineTuning = DemoTask.fineTuning(data, config);

        assertThat(Arrays.stream(pretraining.indices()).max().getAsInt()).isLessThan(config.pretrainImages());
        assertThat(Arrays.stream(fineTuning.indices()).min().getAsInt())
                .isGreaterThanOrEqualTo(config.pretrainImages());
        assertThat(fineTuning.count()).isEqualTo(config.fineTuneImages());
        for (float label : fineTuning.labels()) {
            assertThat(DemoTask.ON_TASK_CLASSES).contains((int) label);
        }
        long onTaskInPretraining = Arrays.stream(pretraining.indices())
                .filter(i -> DemoTask.ON_TASK_CLASSES.contains(data.train().labels()[i])).count();
        assertThat(onTaskInPretraining).isLessThan(pretraining.count() / 5);
    }

    @Test
    void optionsRejectWhatTheyDoNotKnowWithTheReason() {
        assertThatThrownBy(() -> DemoOptions.parse("--stepz", "3")).hasMessageContaining("Unknown options: '--stepz'");
        assertThatThrownBy(() -> DemoOptions.parse("--steps"))
                .hasMessageContaining("Missing required parameter for option '--steps'");
        assertThatThrownBy(() -> DemoOptions.parse("--port", "-1"))
                .hasMessageContaining("Invalid value for option '--port'");
        DemoOptions quick = DemoOptions.parse("--quick", "--steps", "120", "--data", "/nowhere");
        assertThat(quick.config().steps()).isEqualTo(120);
        assertThat(quick.config().dataDir()).isEqualTo(Path.of("/nowhere"));
    }
}
