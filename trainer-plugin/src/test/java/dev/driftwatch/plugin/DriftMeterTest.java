package dev.driftwatch.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.testing.SmallModels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(180)
class DriftMeterTest {

    private static final int T = 5;
    private static final int IN = 6;

    private static DriftSettings settings(ProbeSet probes, int topExamples) {
        return new DriftSettings(probes, 1.0, 0, 4, 256L << 20, 64, null, 1000, 42, topExamples, true, 4);
    }

    static void perturb(Block block, NDManager m, float scale) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            try (NDArray noise = m.randomNormal(0, scale, a.getShape(), a.getDataType())) {
                a.addi(noise);
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    // 12 classes: several forward batches share one divergence pass (masks concatenated);
    // 30000: the divergences run one example at a time (cache-sized slices)
    @org.junit.jupiter.params.provider.ValueSource(ints = {12, 30000})
    void maskedSequenceProbesMatchAReferenceComputedInJava(int vocab) {
        int n = 10;
        Random r = new Random(3);
        float[] x = new float[n * T * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[][] mask = new float[n][T];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("seq-" + i);
            for (int t = 0; t < T; t++) {
                mask[i][t] = t <= i % T ? 1 : 0; // example i scores positions 0..(i mod T)
            }
        }
        ProbeSet probes = ProbeSet.builder().addInput("x", x, new Shape(T, IN)).optMask(mask).optIds(ids).build();
        Engine.getInstance().setRandomSeed(11);
        try (Model model = Model.newInstance("seq")) {
            model.setBlock(new SequentialBlock()
                    .add(Linear.builder().setUnits(16).build())
                    .add(Linear.builder().setUnits(vocab).build()));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()));
                    DriftMeter meter = new DriftMeter(settings(probes, n))) {
                trainer.initialize(new Shape(1, T, IN));
                NDManager m = trainer.getManager();
                NDArray input = m.create(x, new Shape(n, T, IN));
                float[] base = trainer.evaluate(new NDList(input)).head().toFloatArray();
                meter.captureBase(trainer);
                perturb(model.getBlock(), m, 0.3f);
                float[] ft = trainer.evaluate(new NDList(input)).head().toFloatArray();

                DriftMeter.Measurement result = meter.measure(trainer);

                assertThat(result.valid()).isTrue();
                Map<String, Double> reported = new HashMap<>();
                for (TopExample e : result.aggregates().top()) {
                    reported.put(e.probeId(), e.value());
                }
                double seqSum = 0;
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    int count = 0;
                    for (int t = 0; t < T; t++) {
                        if (mask[i][t] == 1) {
                            sum += klAt(base, ft, (i * T + t) * vocab, vocab);
                            count++;
                        }
                    }
                    assertThat(reported.get("seq-" + i)).as("example %d", i).isCloseTo(sum / count, within(1e-4));
                    seqSum += sum;
                }
                // every metric of the contract is measured for sequence probes, each in range: a
                // constant added to Metric without its computation fails here, not at run time
                assertThat(result.aggregates().metrics().keySet())
                        .containsExactlyInAnyOrderElementsOf(Metric.wireNames(Metric.measured(true, false)));
                for (Metric metric : Metric.measured(true, false)) {
                    MetricSummary summary = result.aggregates().metrics().get(metric.wireName());
                    for (Statistic stat : Statistic.values()) {
                        assertThat(metric.range().violation(stat.of(summary))).as("%s %s", metric, stat).isNull();
                    }
                }
                MetricSummary seq = result.aggregates().metrics().get(Metric.KL_BASE_FT_SEQ.wireName());
                assertThat(seq.mean()).isCloseTo(seqSum / n, within(1e-4));
                assertThat(Metric.KL_BASE_FT_SEQ.unit().symbol()).isEqualTo("nats/sequence");
            }
        }
    }

    /** KL(P||Q) at one position, in double precision from the logits. */
    private static double klAt(float[] base, float[] ft, int offset, int vocab) {
        double[] lp = logSoftmax(base, offset, vocab);
        double[] lq = logSoftmax(ft, offset, vocab);
        double kl = 0;
        for (int v = 0; v < vocab; v++) {
            kl += Math.exp(lp[v]) * (lp[v] - lq[v]);
        }
        return kl;
    }

    static double[] logSoftmax(float[] logits, int offset, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[offset + v] - max);
        }
        double[] out = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            out[v] = logits[offset + v] - max - Math.log(sum);
        }
        return out;
    }

    /**
     * A language model's probe set at the default batch size of 256: 256 examples of 512 positions over 32,768
     * tokens are one forward of 4.3e9 logits (17 GB on the device, and as much again on the heap for a
     * sketched base, past the 2^31 elements of one Java array). The meter runs 4 at a time (2^26 logits), here
     * on 8 examples, and measures exactly what it measures with that batch size asked for.
     */
    @Test
    void aLanguageModelsProbesGoThroughInForwardsOfBoundedSize() {
        int n = 8;
        int t = 512;
        int vocab = 32_768;
        assertThat(DriftMeter.forwardBatch(256, t, vocab)).isEqualTo(4);
        assertThat(DriftMeter.forwardBatch(256, 32, 8192)).isEqualTo(256); // the LM demo's probes: as asked
        assertThat(DriftMeter.forwardBatch(256, 1, 10)).isEqualTo(256);
        // beside the forwards: at most a quarter of the probe set per forward, where a forward's logits pass a slice
        assertThat(DriftMeter.besideBatch(4, 8, (long) t * vocab)).isEqualTo(2);
        assertThat(DriftMeter.besideBatch(16, 16, 64 * 32_000L)).isEqualTo(4);
        assertThat(DriftMeter.besideBatch(32, 256, 64 * 32_000L)).isEqualTo(32); // 8 forwards already
        assertThat(DriftMeter.besideBatch(16, 3, 64 * 32_000L)).isEqualTo(1);
        assertThat(DriftMeter.besideBatch(256, 512, 10)).isEqualTo(256); // small outputs: compared many at once
        assertThat(DriftMeter.forwardBatch(8, 1 << 20, 1 << 20)).isEqualTo(1);
        // a logit table of 8 x 512 rows over 32,768 classes would be 0.5 GB: every id points at one of 8 rows
        // of logits, so the table is 8 x 32,768 and the forward still returns [b, 512, 32768]
        float[] ids = new float[n * t];
        float[] mask = new float[n * t];
        java.util.Random r = new java.util.Random(3);
        for (int k = 0; k < ids.length; k++) {
            ids[k] = r.nextInt(8);
            mask[k] = k % t == 0 ? 0 : 1;
        }
        ProbeSet probes = ProbeSet.builder().addInput("ids", ids, new Shape(t)).optMask(mask, t).build();
        float[] base = new float[8 * vocab];
        for (int k = 0; k < base.length; k++) {
            base[k] = (float) r.nextGaussian();
        }
        float[] ft = base.clone();
        for (int k = 0; k < ft.length; k++) {
            ft[k] += (float) (0.1 * r.nextGaussian());
        }
        double[] means = new double[2];
        int[] batches = {256, 4};
        for (int run = 0; run < 2; run++) {
            // the sketch: the base goes to the JVM for its top k and tail, one forward batch at a time (on the
            // calling thread alone: beside the forwards, they would be a quarter of the probes each)
            DriftSettings settings = new DriftSettings(probes, 1.0, 0, batches[run], 1L << 24, 64, 0, null, 1000, 42,
                    5, false, 0, false);
            try (dev.driftwatch.plugin.testing.LogitTable table = new dev.driftwatch.plugin.testing.LogitTable(8,
                    vocab, t); DriftMeter meter = new DriftMeter(settings)) {
                table.set(base);
                meter.captureBase(table.trainer());
                assertThat(meter.forwardBatch()).isEqualTo(4);
                assertThat(meter.approximation()).isEqualTo("topk(64)");
                table.set(ft);
                DriftMeter.Measurement m = meter.measure(table.trainer());
                assertThat(m.valid()).as(m.invalidReason()).isTrue();
                means[run] = m.aggregates().metrics().get("kl_base_ft").mean();
            }
        }
        assertThat(means[0]).isPositive().isEqualTo(means[1]);
    }

    @Test
    void noArrayLeaksOverFiveHundredCheckpoints() {
        Engine.getInstance().setRandomSeed(2);
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(true));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(SmallModels.probes(20), 5))) {
                trainer.initialize(new Shape(1, SmallModels.FEATURES));
                meter.captureBase(trainer);
                perturb(model.getBlock(), trainer.getManager(), 0.1f);
                meter.measure(trainer);
                int modelArrays = model.getNDManager().getManagedArrays().size();
                int trainerArrays = trainer.getManager().getManagedArrays().size();
                int kept = meter.manager().getManagedArrays().size();
                for (int i = 0; i < 500; i++) {
                    assertThat(meter.measure(trainer).valid()).isTrue();
                }
                assertThat(meter.manager().getManagedArrays()).hasSize(kept);
                assertThat(model.getNDManager().getManagedArrays()).hasSize(modelArrays);
                assertThat(trainer.getManager().getManagedArrays()).hasSize(trainerArrays);
            }
        }
    }

    @Test
    void nanInTheModelOutputMarksTheMeasurementInvalid() {
        Engine.getInstance().setRandomSeed(2);
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(SmallModels.probes(20), 5))) {
                trainer.initialize(new Shape(1, SmallModels.FEATURES));
                meter.captureBase(trainer);
                var parameters = model.getBlock().getParameters();
                parameters.valueAt(parameters.size() - 1).getArray().muli(Float.NaN); // the head's bias

                DriftMeter.Measurement result = meter.measure(trainer);

                assertThat(result.valid()).isFalse();
                assertThat(result.invalidReason()).contains("NaN or Inf");
                assertThat(result.aggregates()).isNull();
            }
        }
    }

    @Test
    void aHigherTemperatureSoftensBothDistributionsAndShrinksTheDrift() {
        Engine.getInstance().setRandomSeed(4);
        ProbeSet probes = SmallModels.probes(40);
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter cold = new DriftMeter(settings(probes, 5));
                    DriftMeter hot = new DriftMeter(new DriftSettings(probes, 4.0, 0, 4, 256L << 20, 64, null, 1000, 42,
                            5, false, 0))) {
                trainer.initialize(new Shape(1, SmallModels.FEATURES));
                cold.captureBase(trainer);
                hot.captureBase(trainer);
                perturb(model.getBlock(), trainer.getManager(), 0.5f);

                double atOne = cold.measure(trainer).aggregates().metrics().get(Metric.KL_BASE_FT.wireName()).mean();
                var atFour = hot.measure(trainer).aggregates().metrics();

                assertThat(atOne).isPositive();
                assertThat(atFour.get(Metric.KL_BASE_FT.wireName()).mean()).isPositive().isLessThan(atOne);
                assertThat(atFour.get(Metric.ENTROPY_BASE.wireName()).mean()).isGreaterThan(
                        cold.measure(trainer).aggregates().metrics().get(Metric.ENTROPY_BASE.wireName()).mean());
            }
        }
    }

    /**
     * The parameter drift runs on a thread of its own, beside the probe forward and the comparisons: the same
     * measurement, bit for bit, as on the calling thread, over checkpoints whose stable ranks start warm from the
     * one before; done when {@code measure} returns (its time is set, which the measurement resets when it
     * starts); and the thread ends with the meter.
     */
    @Test
    void theParameterDriftOnAThreadOfItsOwnIsTheSameMeasurementAndEndsWithTheMeter() {
        ProbeSet probes = SmallModels.probes(32);
        DriftMeter.Measurement[][] measured = new DriftMeter.Measurement[2][3];
        for (int run = 0; run < 2; run++) {
            boolean thread = run == 0;
            Engine.getInstance().setRandomSeed(5);
            try (Model model = Model.newInstance("mlp")) {
                model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(96).build())
                        .add(Linear.builder().setUnits(SmallModels.CLASSES).build()));
                DriftSettings settings = new DriftSettings(probes, 1.0, 0, 8, 256L << 20, 64, 0, null, 1000, 42, 3,
                        true, 2, thread);
                try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()));
                        DriftMeter meter = new DriftMeter(settings)) {
                    trainer.initialize(new Shape(1, SmallModels.FEATURES));
                    meter.captureBase(trainer);
                    for (int k = 0; k < 3; k++) {
                        perturb(model.getBlock(), trainer.getManager(), 0.05f);
                        measured[run][k] = meter.measure(trainer);
                        assertThat(meter.lastParameterDriftTime()).as("checkpoint %d", k).isPositive();
                    }
                    // (a thread only where a core is free: the tests run PyTorch with one thread per operation)
                    int cores = Runtime.getRuntime().availableProcessors();
                    boolean beside = DriftMeter.besideTheForward(thread, false,
                            Integer.getInteger("ai.djl.pytorch.num_threads", cores), cores);
                    assertThat(helperThreads()).isEqualTo(beside ? 1 : 0);
                }
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> helperThreads() == 0);
        }
        for (int k = 0; k < 3; k++) {
            assertThat(measured[0][k].valid()).isTrue();
            assertThat(measured[0][k].parameters()).isEqualTo(measured[1][k].parameters());
            assertThat(measured[0][k].parameters().tensors()).allSatisfy(t -> assertThat(t.deltaL2()).isPositive());
            assertThat(measured[0][k].parameters().tensors().get(0).stableRank()).isGreaterThan(1.0);
            assertThat(measured[0][k].aggregates()).isEqualTo(measured[1][k].aggregates());
        }
    }

    /**
     * The helper thread's comparisons beside the next forward, and its parameter drift beside a block that moves
     * its weight into a scope of its own during its forward (DJL's {@code IdEmbedding}, this test's logit table):
     * the same measurement as on the calling thread alone. Before the helper copied the weights without making
     * arrays from them (see {@code HelperThread}), this crashed the JVM within a few checkpoints.
     */
    @Test
    void groupsComparedBesideTheNextForwardGiveTheSameMeasurementAsOneThread() {
        int examples = 16;
        int positions = 8;
        int vocab = 16_384;
        int inputs = examples * positions;
        Random r = new Random(11);
        float[] ids = new float[inputs];
        float[] mask = new float[inputs];
        long[] targets = new long[inputs];
        List<String> slices = new ArrayList<>();
        for (int k = 0; k < inputs; k++) {
            ids[k] = k;
            mask[k] = k % positions == 0 ? 0 : 1; // a one-token prompt
            targets[k] = mask[k] == 0 ? -1 : r.nextInt(vocab);
        }
        for (int i = 0; i < examples; i++) {
            slices.add(i % 2 == 0 ? "a" : "b");
        }
        ProbeSet probes = ProbeSet.builder().addInput("ids", ids, new Shape(positions)).optMask(mask, positions)
                .optSlices(slices).optTargets(targets).build();
        float[] logits = new float[inputs * vocab];
        for (int k = 0; k < logits.length; k++) {
            logits[k] = (float) (3 * r.nextGaussian());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        boolean free = DriftMeter.besideTheForward(true, false,
                Integer.getInteger("ai.djl.pytorch.num_threads", cores), cores);
        // one forward of 16 asked for; beside the forwards, 4 of 4 examples (a quarter each)
        DriftSettings beside = new DriftSettings(probes, 1.0, 0, 16, 256L << 20, 64, 0, null, 1000, 42, 3, true, 2, true);
        DriftSettings alone = new DriftSettings(probes, 1.0, 0, 16, 256L << 20, 64, 0, null, 1000, 42, 3, true, 2, false);
        try (dev.driftwatch.plugin.testing.LogitTable table =
                        new dev.driftwatch.plugin.testing.LogitTable(inputs, vocab, positions);
                DriftMeter a = new DriftMeter(beside);
                DriftMeter b = new DriftMeter(alone)) {
            table.set(logits);
            a.captureBase(table.trainer());
            b.captureBase(table.trainer());
            // a forward as long as a small transformer's, so that the helper is free for a comparison before the
            // next forward ends (else the calling thread takes it back: the same numbers, nothing beside)
            table.slowForwards(100);
            assertThat(a.forwardBatch()).isEqualTo(free ? 4 : 16);
            assertThat(b.forwardBatch()).isEqualTo(16);
            // (the first parameter drift on the helper is the slowest: it may still run after every forward)
            int besideInAll = 0;
            for (int checkpoint = 0; checkpoint < 6; checkpoint++) {
                for (int k = 0; k < logits.length; k++) {
                    logits[k] += (float) (0.05 * r.nextGaussian());
                }
                table.set(logits);
                DriftMeter.Measurement measuredBeside = a.measure(table.trainer());
                DriftMeter.Measurement measuredAlone = b.measure(table.trainer());
                assertThat(measuredBeside.valid()).as(measuredBeside.invalidReason()).isTrue();
                assertThat(a.lastGroupsComparedBeside()).isBetween(0, free ? 3 : 0);
                besideInAll += a.lastGroupsComparedBeside();
                assertThat(b.lastGroupsComparedBeside()).isZero();
                assertThat(measuredBeside.aggregates()).isEqualTo(measuredAlone.aggregates());
                assertThat(measuredBeside.parameters()).isEqualTo(measuredAlone.parameters());
                assertThat(measuredBeside.parameters().tensors().get(0).deltaL2()).isPositive();
                assertThat(measuredBeside.aggregates().metrics().get(Metric.KL_BASE_FT.wireName()).mean())
                        .isPositive();
                assertThat(measuredBeside.aggregates().metrics().get(Metric.FORGETTING.wireName())).isNotNull();
            }
            if (free) {
                assertThat(besideInAll).as("groups compared beside a forward, over 6 checkpoints").isPositive();
            }
        }
    }

    /**
     * A forward that fails while the helper compares the forward before it (or before any comparison, or
     * before the last, shared one): the measurement fails, every array it made is freed, and the next one is
     * what it would have been.
     */
    @Test
    void aForwardThatFailsBesideAComparisonLeavesNoArrayBehind() {
        int examples = 16;
        int positions = 8;
        int vocab = 16_384;
        int inputs = examples * positions;
        Random r = new Random(12);
        float[] ids = new float[inputs];
        float[] mask = new float[inputs];
        for (int k = 0; k < inputs; k++) {
            ids[k] = k;
            mask[k] = 1;
        }
        ProbeSet probes = ProbeSet.builder().addInput("ids", ids, new Shape(positions)).optMask(mask, positions).build();
        float[] logits = new float[inputs * vocab];
        for (int k = 0; k < logits.length; k++) {
            logits[k] = (float) (3 * r.nextGaussian());
        }
        DriftSettings settings = new DriftSettings(probes, 1.0, 0, 16, 256L << 20, 64, 0, null, 1000, 42, 3, true, 2,
                true);
        try (dev.driftwatch.plugin.testing.LogitTable table =
                        new dev.driftwatch.plugin.testing.LogitTable(inputs, vocab, positions);
                DriftMeter meter = new DriftMeter(settings)) {
            table.set(logits);
            meter.captureBase(table.trainer());
            for (int k = 0; k < logits.length; k++) {
                logits[k] += (float) (0.05 * r.nextGaussian());
            }
            table.set(logits);
            table.slowForwards(50);
            DriftMeter.Measurement before = meter.measure(table.trainer());
            NDManager model = table.trainer().getModel().getNDManager();
            int arrays = model.getManagedArrays().size();
            int forwards = (int) Math.ceil(examples / (double) meter.forwardBatch());
            for (int failing = 1; failing <= forwards; failing++) {
                table.failForward(failing);
                int which = failing;
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> meter.measure(table.trainer()))
                        .as("forward %d of %d fails", which, forwards).isInstanceOf(RuntimeException.class);
                assertThat(model.getManagedArrays()).as("arrays after forward %d failed", which).hasSize(arrays);
            }
            DriftMeter.Measurement after = meter.measure(table.trainer());
            assertThat(after.aggregates()).isEqualTo(before.aggregates());
            TensorDrift was = before.parameters().tensors().get(0);
            TensorDrift is = after.parameters().tensors().get(0);
            assertThat(is.deltaL2()).isEqualTo(was.deltaL2());
            // (the stable rank's iteration starts where the last one, failed or not, ended: close, not the same bits)
            assertThat(is.stableRank()).isCloseTo(was.stableRank(), within(1e-4 * was.stableRank()));
        }
    }

    @Test
    void theParameterDriftRunsBesideTheForwardOnlyOnTheCpuWithACoreFree() {
        assertThat(DriftMeter.besideTheForward(true, false, 1, 2)).isTrue();
        assertThat(DriftMeter.besideTheForward(true, false, 4, 8)).isTrue();
        // the helper's operations use as many threads as the forward's: 7 + 7 on 8 cores would contend
        assertThat(DriftMeter.besideTheForward(true, false, 7, 8)).isFalse();
        assertThat(DriftMeter.besideTheForward(true, false, 3, 4)).isFalse();
        assertThat(DriftMeter.besideTheForward(true, false, 2, 2)).isFalse(); // PyTorch's default: every core
        assertThat(DriftMeter.besideTheForward(true, false, 1, 1)).isFalse();
        assertThat(DriftMeter.besideTheForward(true, true, 1, 8)).isFalse();
        assertThat(DriftMeter.besideTheForward(false, false, 1, 8)).isFalse();
    }

    private static long helperThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("driftwatch-helper")).count();
    }
}
