package dev.driftwatch.plugin.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeSetTest {

    @TempDir
    Path dir;

    private static ProbeSet sequences() {
        return ProbeSet.builder()
                .addInput("tokens", new long[] {1, 2, 3, 4, 5, 6}, new Shape(3))
                .addInput("weights", new float[] {0.5f, 1.5f}, new Shape(1))
                .optMask(new float[][] {{1, 1, 0}, {1, 0, 0}})
                .optIds(List.of("a", "b"))
                .optSlices(List.of("on-task", "off-task/general"))
                .build();
    }

    @Test
    void fileRoundTripKeepsEverythingAndTheFingerprint() throws Exception {
        ProbeSet probes = sequences();
        Path file = dir.resolve("probes.jsonl");
        ProbeSetFile.write(probes, file);
        assertThat(Files.readAllLines(file).get(0)).contains("\"format\":\"driftwatch-probes\"");

        ProbeSet back = ProbeSetFile.read(file);

        assertThat(back.fingerprint()).isEqualTo(probes.fingerprint());
        assertThat(back.ids()).containsExactly("a", "b");
        assertThat(back.slices()).containsExactly("on-task", "off-task/general");
        assertThat(back.mask()).containsExactly(1, 1, 0, 1, 0, 0);
        assertThat(back.positions()).isEqualTo(3);
    }

    @Test
    void fingerprintChangesWithInputsMaskOrSlicesButNotIds() {
        ProbeSet base = sequences();
        ProbeSet otherIds = ProbeSet.builder().addInput(base.inputs().get(0)).addInput(base.inputs().get(1))
                .optMask(base.mask(), 3).optIds(List.of("x", "y")).optSlices(base.slices()).build();
        ProbeSet otherSlice = ProbeSet.builder().addInput(base.inputs().get(0)).addInput(base.inputs().get(1))
                .optMask(base.mask(), 3).optSlices(List.of("on-task", "on-task")).build();
        ProbeSet otherMask = ProbeSet.builder().addInput(base.inputs().get(0)).addInput(base.inputs().get(1))
                .optMask(new float[] {1, 1, 1, 1, 0, 0}, 3).optSlices(base.slices()).build();
        assertThat(base.fingerprint()).hasSize(64).isEqualTo(otherIds.fingerprint());
        assertThat(otherSlice.fingerprint()).isNotEqualTo(base.fingerprint());
        assertThat(otherMask.fingerprint()).isNotEqualTo(base.fingerprint());
    }

    @Test
    void badInputGetsAClearError() throws Exception {
        assertThatThrownBy(() -> ProbeSet.builder().addInput("x", new float[6], new Shape(3))
                .optMask(new float[][] {{1, 0, 0}, {0, 0, 0}}).build())
                .hasMessageContaining("example 1 has no scored position");
        assertThatThrownBy(() -> ProbeSet.builder().addInput("x", new float[6], new Shape(3))
                .optSlices(List.of("a")).build())
                .hasMessageContaining("slices has 1 entries for 2 examples");
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"format\":\"driftwatch-probes\",\"version\":1,"
                + "\"inputs\":[{\"name\":\"x\",\"dataType\":\"float32\",\"shape\":[2]}]}\n{\"inputs\":[[1,2,3]]}\n");
        assertThatThrownBy(() -> ProbeSetFile.read(file)).hasMessageContaining("line 2").hasMessageContaining("needs 2 values");
    }

    @Test
    void buildsFromADjlDatasetAndConcatenatesSlices() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = new float[10 * 4];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            ArrayDataset data = new ArrayDataset.Builder().setData(m.create(x, new Shape(10, 4)))
                    .optLabels(m.zeros(new Shape(10))).setSampling(3, false).build();
            ProbeSet onTask = ProbeSet.fromDataset(data, m, 7, "on-", "on-task");
            ProbeSet offTask = ProbeSet.fromDataset(data, m, 2, "off-", "off-task/general");
            ProbeSet all = ProbeSet.concat(onTask, offTask);
            assertThat(onTask.size()).isEqualTo(7);
            assertThat(all.size()).isEqualTo(9);
            assertThat(all.ids()).startsWith("on-0").endsWith("off-0", "off-1");
            assertThat(all.sliceNames()).containsExactly("on-task", "off-task/general");
            var chunks = all.toChunks(m, 4);
            assertThat(chunks).hasSize(3);
            assertThat(chunks.get(1).inputs().head().toFloatArray()).startsWith(16f, 17f);
            assertThat(chunks.get(2).inputs().head().getShape()).isEqualTo(new Shape(1, 4));
        }
    }
}
