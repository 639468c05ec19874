package dev.driftwatch.plugin.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import dev.driftwatch.contract.CheckpointReport;
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
    void fileRoundTripKeepsTargetsOfSequencesAndOfClassifiers() throws Exception {
        ProbeSet base = sequences();
        ProbeSet withTargets = ProbeSet.builder().addInput(base.inputs().get(0)).addInput(base.inputs().get(1))
                .optMask(base.mask(), 3).optIds(base.ids()).optSlices(base.slices())
                .optTargets(new long[] {5, 6, 0, 7, 0, 0}).build();
        Path file = dir.resolve("targets.jsonl");
        ProbeSetFile.write(withTargets, file);
        ProbeSet back = ProbeSetFile.read(file);
        // the file had dropped them: forgetting, accuracy and task loss disappeared from runs reading it
        assertThat(back.hasTargets()).isTrue();
        assertThat(back.targets()).containsExactly(5, 6, 0, 7, 0, 0);
        assertThat(back.fingerprint()).isEqualTo(withTargets.fingerprint());

        ProbeSet labelled = ProbeSet.builder().addInput("x", new float[] {1, 2, 3, 4}, new Shape(2))
                .optLabels(new float[] {3, 1}).build();
        Path classes = dir.resolve("labels.jsonl");
        ProbeSetFile.write(labelled, classes);
        assertThat(Files.readAllLines(classes).get(1)).contains("\"targets\":[3]");
        assertThat(ProbeSetFile.read(classes).targets()).containsExactly(3, 1);
    }

    @Test
    void everyBadLineOfAFileIsNamedNotANullPointer() throws Exception {
        String header = "{\"format\":\"driftwatch-probes\",\"version\":1,"
                + "\"inputs\":[{\"name\":\"x\",\"dataType\":\"float32\",\"shape\":[2]}]}\n";
        String[][] cases = {
            {"{\"format\":\"driftwatch-probes\",\"version\":1}\n", "line 1"},
            {"{\"format\":\"driftwatch-probes\",\"version\":1,\"inputs\":[{\"name\":\"x\"}]}\n", "line 1"},
            {header + "{\"inputs\":[[1,null]]}\n", "line 2: input x holds null, not a number"},
            {header + "{\"inputs\":[[1,\"a\"]]}\n", "line 2: input x holds 'a', not a number"},
            {header + "{\"inputs\":[[1,2]],\"targets\":[1]}\n{\"inputs\":[[1,2]]}\n",
                "line 3: either every example has targets or none has"},
            {header + "{\"inputs\":[[1,2]],\"targets\":[1,2]}\n", "line 2: targets needs 1 values"},
            {header + "{\"inputs\":\"x\"}\n", "line 2"},
        };
        for (String[] c : cases) {
            Path file = dir.resolve("bad-" + Math.abs(c[0].hashCode()) + ".jsonl");
            Files.writeString(file, c[0]);
            assertThatThrownBy(() -> ProbeSetFile.read(file)).as(c[0])
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c[1]);
        }
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

    @Test
    void concatenatedSetsMustNotShareAnIdAsTopExamplesNameExamplesByIt() {
        float[] x = new float[3 * 2];
        ProbeSet onTask = ProbeSet.builder().addInput("x", x, new Shape(2)).optSlices(List.of("on", "on", "on")).build();
        ProbeSet offTask = ProbeSet.builder().addInput("x", x, new Shape(2)).optSlices(List.of("off", "off", "off"))
                .build();
        // both have the default ids 0, 1, 2: an off-task top example would have shown the on-task example's tokens
        assertThatThrownBy(() -> ProbeSet.concat(onTask, offTask))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probe id '0' is in more than one").hasMessageContaining("optIds");
        ProbeSet renamed = ProbeSet.builder().addInput("x", x, new Shape(2)).optIds(List.of("o0", "o1", "o2"))
                .optSlices(List.of("off", "off", "off")).build();
        assertThat(ProbeSet.concat(onTask, renamed).ids()).containsExactly("0", "1", "2", "o0", "o1", "o2");
    }

    @Test
    void idsAndSlicesTheServiceWouldRefuseAreRefusedWhenTheSetIsBuilt() {
        float[] x = new float[2 * 2];
        assertThatThrownBy(() -> ProbeSet.builder().addInput("x", x, new Shape(2)).optIds(List.of("a", "b\u0000")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ids[1] must not contain the control"
                        + " character U+0000");
        assertThatThrownBy(() -> ProbeSet.builder().addInput("x", x, new Shape(2)).optSlices(List.of("on", "off\ud800"))
                .build()).hasMessageContaining("slices[1] must not contain a lone surrogate U+D800");
        int n = CheckpointReport.DEFAULT_MAX_SLICES + 1;
        List<String> perExample = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            perExample.add("class-" + i);
        }
        assertThatThrownBy(() -> ProbeSet.builder().addInput("x", new float[n], new Shape(1)).optSlices(perExample)
                .build()).hasMessageContaining("513 slices: at most 512");
        assertThat(ProbeSet.builder().addInput("x", new float[n - 1], new Shape(1))
                .optSlices(perExample.subList(0, n - 1)).build().sliceNames()).hasSize(512);
        // two sets of 300 slices each are fine on their own, 600 together are not
        List<String> ids = new java.util.ArrayList<>();
        List<String> others = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add("b" + i);
            others.add("other-" + i);
        }
        ProbeSet a = ProbeSet.builder().addInput("x", new float[300], new Shape(1)).optSlices(perExample.subList(0, 300))
                .build();
        ProbeSet b = ProbeSet.builder().addInput("x", new float[300], new Shape(1)).optSlices(others).optIds(ids)
                .build();
        assertThatThrownBy(() -> ProbeSet.concat(a, b)).hasMessageContaining("600 slices: at most 512");
    }
}
