package dev.driftwatch.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.nn.Parameter;
import ai.djl.training.listener.SaveModelTrainingListener;
import ai.djl.util.Pair;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.plugin.report.DriftSink;
import dev.driftwatch.plugin.testing.RecordingSink;
import dev.driftwatch.plugin.testing.SmallModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class ListenerBehaviourTest {

    @TempDir
    Path dir;

    private static DriftListener.Builder listener(RecordingSink sink) {
        return DriftListener.builder().setProbeSet(SmallModels.probes(32)).optEveryNSteps(4).addSink(sink);
    }

    private static List<byte[]> trainedWeights(boolean withListener) {
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(true));
            DriftListener[] extra = withListener
                    ? new DriftListener[] {listener(new RecordingSink()).optEveryNSteps(1).build()}
                    : new DriftListener[0];
            SmallModels.train(model, 7, 2, 1, t -> {}, extra);
            List<byte[]> out = new ArrayList<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                out.add(p.getValue().getArray().toByteArray());
            }
            return out;
        }
    }

    @Test
    void attachingTheListenerLeavesTheTrainedWeightsBitIdentical() {
        List<byte[]> without = trainedWeights(false);
        List<byte[]> with = trainedWeights(true);
        assertThat(with).hasSameSizeAs(without);
        for (int i = 0; i < with.size(); i++) {
            assertThat(with.get(i)).as("parameter %d", i).isEqualTo(without.get(i));
        }
    }

    @Test
    void theListenerAccountsForWhatMeasuringCostTheRun() {
        RecordingSink sink = new RecordingSink();
        DriftListener listener = listener(sink).build();
        assertThat(listener.cost()).isEqualTo(MeasurementCost.NONE);
        long start = System.nanoTime();
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        System.setErr(new java.io.PrintStream(logged, true, java.nio.charset.StandardCharsets.UTF_8)); // slf4j-simple's
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(true));
            SmallModels.train(model, 3, 2, 1, t -> {}, listener);
        } finally {
            System.setErr(err);
        }
        long wall = System.nanoTime() - start;
        // the first two checkpoints after step 0 say what they cost; the first is the stable ranks' cold start
        List<String> costLines = logged.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("INFO") && l.contains("of training since the last one")).toList();
        assertThat(costLines).as(logged.toString(java.nio.charset.StandardCharsets.UTF_8)).hasSize(2);
        assertThat(costLines.get(0)).contains("the checkpoint at step 4 took ").contains("(parameter drift ")
                .endsWith("(its stable ranks start cold; later checkpoints start from its vectors)");
        assertThat(costLines.get(1)).contains("the checkpoint at step 8 took ").doesNotContain("cold");
        MeasurementCost cost = listener.cost();
        assertThat(cost.checkpoints()).isEqualTo(sink.checkpoints.size()).isGreaterThan(2);
        assertThat(cost.baseCapture()).isPositive();
        assertThat(cost.measuring()).isPositive();
        assertThat(cost.parameterDrift()).isPositive().isLessThan(cost.measuring());
        assertThat(cost.tokenDetail()).isZero(); // (no vocabulary)
        assertThat(cost.sampledDrift()).isZero(); // (no sampled drift)
        assertThat(cost.training()).isPositive();
        // checkpoints, the training between them and the capture happened within this test's time
        assertThat(cost.measuring().plus(cost.training()).plus(cost.baseCapture()).toNanos()).isLessThan(wall);
        assertThat(cost.fraction()).isStrictlyBetween(0.0, 1.0);
        assertThat(cost.describe()).startsWith(cost.checkpoints() + " checkpoints took ").contains("(parameter drift ")
                .doesNotContain("sampled drift").contains("% of the ");
    }

    /** A loaded base (a block initialised before the trainer, whose constructor starts the listener) is timed too. */
    @Test
    void theBaseCaptureOfAnInitialisedModelIsTimedAndLogged() {
        RecordingSink sink = new RecordingSink();
        DriftListener listener = listener(sink).build();
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        long wall;
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(true));
            SmallModels.train(model, 3, 1, 0, t -> {}); // the "pretraining": the block is initialised from here on
            System.setErr(new java.io.PrintStream(logged, true, java.nio.charset.StandardCharsets.UTF_8));
            long start = System.nanoTime();
            SmallModels.train(model, 3, 1, 1, t -> {}, listener);
            wall = System.nanoTime() - start;
        } finally {
            System.setErr(err);
        }
        String log = logged.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(log.lines().filter(l -> l.contains("INFO") && l.contains("driftwatch: base captured in ")))
                .as(log).hasSize(1);
        MeasurementCost cost = listener.cost();
        assertThat(cost.checkpoints()).isEqualTo(sink.checkpoints.size()).isPositive();
        assertThat(cost.baseCapture()).isPositive();
        assertThat(cost.training()).isPositive();
        // the capture, the checkpoints and the training between them happened within the fine-tuning's time
        assertThat(cost.measuring().plus(cost.training()).plus(cost.baseCapture()).toNanos()).isLessThan(wall);
        assertThat(cost.describe()).contains("; the base capture took ");
    }

    @Test
    void frozenParametersReportZeroDriftAndBatchNormBuffersAreApart() {
        RecordingSink sink = new RecordingSink();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(true));
            SmallModels.train(model, 3, 1, 0, t -> {}); // the "base"
            SmallModels.train(model, 3, 1, 1, trainer -> {
                // freezing happens after newTrainer, which unfreezes loaded parameters
                model.getBlock().getChildren().get(0).getValue().freezeParameters(true);
            }, listener(sink).build());
        }
        CheckpointReport last = sink.checkpoints.get(sink.checkpoints.size() - 1);
        List<TensorDrift> tensors = last.parameters().tensors();
        List<TensorDrift> frozen = tensors.stream().filter(t -> t.name().startsWith("01Linear")).toList();
        assertThat(frozen).hasSize(2).allSatisfy(t -> {
            assertThat(t.trainable()).isFalse();
            assertThat(t.deltaL2()).isZero();
            assertThat(t.stableRank()).isNull();
        });
        List<TensorDrift> buffers = tensors.stream().filter(TensorDrift::buffer).toList();
        assertThat(buffers).extracting(TensorDrift::name)
                .containsExactlyInAnyOrder("02BatchNorm_runningMean", "02BatchNorm_runningVar");
        assertThat(buffers).allSatisfy(t -> assertThat(t.deltaL2()).isPositive()); // the forward pass moves them
        long weights = tensors.stream().filter(t -> !t.buffer()).mapToLong(TensorDrift::size).sum();
        long trainable = tensors.stream().filter(t -> !t.buffer() && t.trainable()).mapToLong(TensorDrift::size).sum();
        assertThat(last.parameters().totalParameters()).isEqualTo(weights);
        assertThat(last.parameters().trainableParameters()).isEqualTo(trainable)
                .isEqualTo(16 + 16 + 16 * 4 + 4); // BatchNorm gamma and beta, the head's weight and bias
        assertThat(last.parameters().trainableFraction()).isStrictlyBetween(0.0, 1.0);
        assertThat(sink.runs.get(0).method()).isEqualTo("other");
        TensorDrift head = tensors.stream().filter(t -> t.name().equals("04Linear_weight")).findFirst().orElseThrow();
        assertThat(head.deltaL2()).isPositive();
        assertThat(head.stableRank()).isNotNull().isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void guardrailStopsTrainingWhenTheLowerBoundPassesTheLimit() {
        RecordingSink sink = new RecordingSink();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            assertThatThrownBy(() -> SmallModels.train(model, 1, 5, 1, t -> {},
                    listener(sink).optGuardrail(0.05).build()))
                    .isInstanceOf(DriftLimitExceededException.class)
                    .hasMessageContaining("above the limit");
        }
        CheckpointReport last = sink.checkpoints.get(sink.checkpoints.size() - 1);
        assertThat(last.headline().ciLow()).isGreaterThan(0.05);
        assertThat(last.step()).isLessThan(5 * 16);
        // the checkpoint that stopped training is the last: no second one of the same weights under the next step
        assertThat(last.step() % 4).isZero();
        assertThat(sink.ends).extracting(RunEnd::status).containsExactly("stopped");
    }

    @Test
    void aRunWhoseLossDivergedEndsFailedAndTrainingStopsAsDjlStopsIt() {
        RecordingSink sink = new RecordingSink();
        DriftListener drift = listener(sink).build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            ai.djl.engine.Engine.getInstance().setRandomSeed(1);
            // a learning rate that sends the weights to infinity: DJL's divergence check ends training
            var config = new ai.djl.training.DefaultTrainingConfig(ai.djl.training.loss.Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(ai.djl.training.optimizer.Optimizer.sgd()
                            .setLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(1e30f)).build())
                    .addTrainingListeners(ai.djl.training.listener.TrainingListener.Defaults.basic())
                    .addTrainingListeners(drift);
            assertThatThrownBy(() -> {
                try (var trainer = model.newTrainer(config)) {
                    trainer.initialize(new ai.djl.ndarray.types.Shape(16, SmallModels.FEATURES));
                    var data = SmallModels.data(trainer.getManager(), 256, 1, 1);
                    ai.djl.training.EasyTrain.fit(trainer, 3, data, null);
                }
            }).isInstanceOf(ai.djl.TrainingDivergedException.class);
        }
        assertThat(sink.runs).hasSize(1);
        assertThat(sink.ends).extracting(RunEnd::status).containsExactly("failed");
    }

    @Test
    void aRunThatAnExceptionEndsIsMarkedFailedByTheCallerAndOnlyBeforeTheTrainerCloses() {
        RecordingSink sink = new RecordingSink();
        DriftListener drift = listener(sink).build();
        RecordingSink late = new RecordingSink();
        DriftListener tooLate = listener(late).build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            // the data fails in the second epoch, as a corrupt shard or a lost file system does
            var config = new ai.djl.training.DefaultTrainingConfig(ai.djl.training.loss.Loss.softmaxCrossEntropyLoss())
                    .addTrainingListeners(drift, tooLate);
            assertThatThrownBy(() -> {
                try (var trainer = model.newTrainer(config)) {
                    try {
                        trainer.initialize(new ai.djl.ndarray.types.Shape(16, SmallModels.FEATURES));
                        var data = SmallModels.data(trainer.getManager(), 256, 1, 1);
                        ai.djl.training.EasyTrain.fit(trainer, 1, data, null);
                        throw new java.io.UncheckedIOException(new java.io.IOException("shard 2: input/output error"));
                    } catch (RuntimeException e) {
                        drift.markFailed(e);
                        throw e;
                    }
                }
            }).isInstanceOf(java.io.UncheckedIOException.class);
            // the other listener's run ended when the trainer closed: too late to change it
            tooLate.markFailed(new IllegalStateException("after close"));
        }
        assertThat(sink.ends).extracting(RunEnd::status).containsExactly("failed");
        assertThat(late.ends).extracting(RunEnd::status).containsExactly("completed");
    }

    @Test
    void aTrainerWithMoreMetricsThanTheServiceTakesSendsTheLossesAndTheFirstOthers() throws Exception {
        RecordingSink sink = new RecordingSink();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            ai.djl.engine.Engine.getInstance().setRandomSeed(1);
            var config = new ai.djl.training.DefaultTrainingConfig(ai.djl.training.loss.Loss.softmaxCrossEntropyLoss())
                    .addTrainingListeners(ai.djl.training.listener.TrainingListener.Defaults.basic())
                    .addTrainingListeners(listener(sink).build());
            for (int i = 0; i < 70; i++) {
                config.addEvaluator(new ai.djl.training.evaluator.Accuracy("acc" + i, 1));
            }
            try (var trainer = model.newTrainer(config)) {
                trainer.initialize(new ai.djl.ndarray.types.Shape(16, SmallModels.FEATURES));
                var data = SmallModels.data(trainer.getManager(), 64, 1, 1);
                ai.djl.training.EasyTrain.fit(trainer, 1, data, data);
            }
        }
        assertThat(sink.checkpoints).isNotEmpty();
        for (CheckpointReport c : sink.checkpoints) {
            assertThat(c.taskMetrics()).hasSizeLessThanOrEqualTo(CheckpointReport.MAX_TASK_METRICS);
        }
        CheckpointReport atEpochEnd = sink.checkpoints.get(sink.checkpoints.size() - 1);
        // 71 training and 71 validation values at the epoch's end: the losses and the first 62 others by name
        assertThat(atEpochEnd.taskMetrics()).hasSize(CheckpointReport.MAX_TASK_METRICS)
                .containsKeys(CheckpointReport.TRAIN_LOSS, CheckpointReport.VALIDATE_LOSS);
        java.util.List<String> others = new java.util.ArrayList<>(atEpochEnd.taskMetrics().keySet()).subList(2, 64);
        assertThat(others).isSorted().first().isEqualTo("train_acc0");
        assertThat(atEpochEnd.taskMetrics().get(CheckpointReport.TRAIN_LOSS)).isFinite();
    }

    @Test
    void aSinkThatThrowsAnErrorNeverReachesTraining() {
        DriftSink broken = new DriftSink() {
            @Override
            public void runStarted(RunInfo run) {
                throw new AssertionError("a sink's assert under -ea");
            }

            @Override
            public void checkpoint(CheckpointReport report) {
                throw new NoSuchMethodError("a clashing library version");
            }

            @Override
            public void runFinished(RunEnd end) {
                throw new StackOverflowError();
            }
        };
        RecordingSink sink = new RecordingSink();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 1, 1, t -> {}, listener(sink).addSink(broken).build());
        }
        assertThat(sink.checkpoints).isNotEmpty();
        assertThat(sink.ends).extracting(RunEnd::status).containsExactly("completed");
    }

    /**
     * Errors a library raises with the JVM intact (an audit's finding: an {@link java.io.IOError} or a
     * {@link java.util.ServiceConfigurationError} from a sink went into every training step and out of
     * {@code trainer.close()}, which then skipped flushing and closing the sinks): logged, and training goes on.
     * An error of a broken JVM still goes up, but only after every sink was flushed and closed.
     */
    @Test
    void errorsOfALibraryNeverReachTrainingAndABrokenJvmsStillClosesTheSinks() {
        DriftSink library = new QuietSink() {
            @Override
            public void checkpoint(CheckpointReport report) {
                throw new java.io.IOError(new java.io.IOException("a library's unchecked I/O failure"));
            }

            @Override
            public void runFinished(RunEnd end) {
                throw new java.util.ServiceConfigurationError("a provider that cannot be loaded");
            }
        };
        RecordingSink sink = new RecordingSink();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 1, 1, t -> {}, listener(sink).addSink(library).build());
        }
        assertThat(sink.checkpoints).isNotEmpty();
        assertThat(sink.ends).extracting(RunEnd::status).containsExactly("completed");

        boolean[] closed = {false};
        DriftSink broken = new QuietSink() {
            @Override
            public void runFinished(RunEnd end) {
                throw new InternalError("the JVM itself");
            }

            @Override
            public boolean flush(java.time.Duration timeout) {
                throw new InternalError("again");
            }
        };
        DriftSink closing = new QuietSink() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        RecordingSink after = new RecordingSink();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            assertThatThrownBy(() -> SmallModels.train(model, 1, 1, 1, t -> {},
                    listener(after).addSink(broken).addSink(closing).build())).isInstanceOf(InternalError.class);
        }
        assertThat(after.ends).extracting(RunEnd::status).containsExactly("completed");
        assertThat(closed[0]).as("the sink after the broken one was closed").isTrue();
    }

    @Test
    void aSaveListenerAfterTheDriftListenerNeverMeasuresTheTrainedModelAgainstItself() throws Exception {
        // the last step measured neither at an epoch's end nor at the end: the save finds it unmeasured
        RecordingSink quiet = new RecordingSink();
        DriftListener unmeasured = listener(quiet).optEveryEpoch(false).optMeasureAtEnd(false).build();
        SaveModelTrainingListener saveQuiet = new SaveModelTrainingListener(dir.resolve("quiet").toString());
        saveQuiet.setSaveModelCallback(unmeasured.saveModelCallback());
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 2, 1, t -> {}, unmeasured, saveQuiet);
        }
        try (Model loaded = Model.newInstance("mlp")) {
            loaded.setBlock(SmallModels.mlp(false));
            loaded.load(dir.resolve("quiet"), "mlp");
            // on the old code: a new base captured from the trained model, and its KL to itself, 0.0, in the file
            assertThat(loaded.getProperty(DriftListener.PROPERTY_KL)).isNull();
        }
        assertThat(quiet.checkpoints).extracting(CheckpointReport::step).doesNotContain(32L);
    }

    @Test
    void aSaveListenerAfterTheDriftListenerGetsTheLastMeasurementNotANewBase() throws Exception {
        RecordingSink sink = new RecordingSink();
        DriftListener drift = listener(sink).build();
        SaveModelTrainingListener save = new SaveModelTrainingListener(dir.toString());
        save.setSaveModelCallback(drift.saveModelCallback());
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 2, 1, t -> {}, drift, save); // drift's onTrainingEnd runs first
        }
        CheckpointReport atEpoch2 = sink.checkpoints.stream().filter(c -> c.step() == 32).findFirst().orElseThrow();
        assertThat(atEpoch2.headline().mean()).isPositive();
        try (Model loaded = Model.newInstance("mlp")) {
            loaded.setBlock(SmallModels.mlp(false));
            loaded.load(dir, "mlp");
            // on the old code the callback captured the trained model as a new base and stored its KL to itself, 0
            assertThat(loaded.getProperty(DriftListener.PROPERTY_KL)).isEqualTo(Double.toString(atEpoch2.headline().mean()));
        }
        assertThat(sink.checkpoints.stream().filter(c -> c.step() == 32)).hasSize(1);
    }

    @Test
    void aListenerUsedForASecondTrainingSaysSoAndLeavesItAlone() {
        RecordingSink sink = new RecordingSink();
        DriftListener drift = listener(sink).build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 1, 1, t -> {}, drift);
            int checkpoints = sink.checkpoints.size();
            SmallModels.train(model, 2, 1, 1, t -> {}, drift);
            assertThat(sink.checkpoints).hasSize(checkpoints);
        }
        assertThat(sink.runs).hasSize(1);
        assertThat(sink.ends).hasSize(1);
    }

    @Test
    void aFailingSinkNeverReachesTraining() {
        DriftSink broken = new DriftSink() {
            @Override
            public void runStarted(RunInfo run) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void checkpoint(CheckpointReport report) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void runFinished(RunEnd end) {
                throw new IllegalStateException("boom");
            }
        };
        RecordingSink sink = new RecordingSink();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 1, 1, t -> {}, listener(sink).addSink(broken).build());
        }
        assertThat(sink.checkpoints).isNotEmpty();
        assertThat(sink.ends).hasSize(1);
    }

    @Test
    void aZeroFlushTimeoutAsksTheSinksWithoutWaitingThenClosesThem() {
        List<java.time.Duration> asked = new ArrayList<>();
        boolean[] closed = new boolean[1];
        RecordingSink sink = new RecordingSink();
        DriftSink undelivered = new QuietSink() {
            @Override
            public boolean flush(java.time.Duration timeout) {
                asked.add(timeout);
                return false; // as a sink whose service is down
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 1, 1, t -> {},
                    listener(sink).addSink(undelivered).optFlushTimeout(java.time.Duration.ZERO).build());
        }
        assertThat(asked).containsExactly(java.time.Duration.ZERO);
        assertThat(closed[0]).isTrue();
        assertThat(sink.ends).hasSize(1);
        assertThatThrownBy(() -> DriftListener.builder().optFlushTimeout(java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * What the service would refuse in a run record is refused where it is set: the service would answer the
     * run 400, and with it every checkpoint of the run would be set aside.
     */
    @Test
    void runTextTheServiceWouldRefuseIsRefusedByTheBuilder() {
        DriftListener.Builder b = DriftListener.builder();
        for (String tag : new String[] {"", "t".repeat(65), "a\u0000b", "x\ud800", "bell\u0007"}) {
            assertThatThrownBy(() -> b.optTags(tag)).as(tag).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> b.optTags(new String[33])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.optRunName("run\u0000")).isInstanceOf(IllegalArgumentException.class);
        for (String blank : new String[] {"", " ", "\t\n", "\u3000"}) { // names of white space: blank links in the UI
            assertThatThrownBy(() -> b.optRunName(blank)).as(blank).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("white space");
        }
        assertThatThrownBy(() -> b.optConfig("", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.optConfig("k".repeat(129), "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.optConfig("k", "v".repeat(4097))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.optConfig("k", "\u001b[31m")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.optConfig("k", null)).isInstanceOf(IllegalArgumentException.class);
        for (String planned : new String[] {"0", "-5", "ten", "1e3", "0x10", "\uFF11\uFF10", "9007199254740992",
            "9223372036854775807", ""}) {
            assertThatThrownBy(() -> b.optConfig("plannedSteps", planned)).as(planned)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plannedSteps");
        }
        b.optTags("t".repeat(64), "ok").optRunName("café ✓").optConfig("plannedSteps", " 900 ")
                .optConfig("note", "a\tb\nc").optConfig("k", "v".repeat(4096));
        DriftListener.Builder full = listener(new RecordingSink());
        for (int i = 0; i < 62; i++) {
            full.optConfig("key" + i, "v");
        }
        full.build(); // 62 and the listener's own two
        assertThatThrownBy(() -> full.optConfig("one-more", "v").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 64 config entries");
        // more top examples than the service takes by default would have every checkpoint refused
        assertThatThrownBy(() -> DriftListener.builder().optTopExamples(2000))
                .hasMessage("top examples must be 0 to 1000; given 2000");
        // the same for settings made by hand, for a DriftMeter of one's own
        assertThatThrownBy(() -> new DriftSettings(SmallModels.probes(4), 1.0, 0, 8, 1L << 20, 64, 0, null, 1000, 1,
                1001, true, 2)).hasMessage("topExamples must be <= 1000; given 1001");
        // a bad setting is named with the value given
        assertThatThrownBy(() -> listener(new RecordingSink()).optBatchSize(0).build())
                .hasMessage("batchSize must be >= 1; given 0");
        assertThatThrownBy(() -> listener(new RecordingSink()).optStableRankIterations(-1).build())
                .hasMessage("stableRankIterations must be >= 0; given -1");
        // sampled drift without the base's logits was a NullPointerException at every checkpoint
        SampledDrift sampled = new SampledDrift(new long[][] {{1, 2}}, 2, 4, 1.0, 7, 1000);
        assertThatThrownBy(() -> DriftListener.builder().optSampledDrift(sampled, null))
                .hasMessageContaining("needs both");
    }

    @Test
    void aBrokenProbeSetIsLoggedAndTrainingGoesOn() {
        RecordingSink sink = new RecordingSink();
        var probes = dev.driftwatch.plugin.probe.ProbeSet.builder()
                .addInput("x", new float[3 * 5], new ai.djl.ndarray.types.Shape(5)) // the model wants 8 features
                .build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 1, 1, t -> {},
                    DriftListener.builder().setProbeSet(probes).addSink(sink).build());
        }
        assertThat(sink.checkpoints).isEmpty();
    }

    @Test
    void savedCheckpointsCarryTheHeadlineDriftAndTheForgetting() throws Exception {
        RecordingSink sink = new RecordingSink();
        var plain = SmallModels.probes(32);
        var labelled = dev.driftwatch.plugin.probe.ProbeSet.builder().addInput(plain.inputs().get(0))
                .optSlices(plain.slices()).optLabels(SmallModels.labels(32, 0)).build();
        DriftListener drift = listener(sink).setProbeSet(labelled).build();
        SaveModelTrainingListener save = new SaveModelTrainingListener(dir.toString());
        save.setSaveModelCallback(drift.saveModelCallback());
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 2, 1, t -> {}, save, drift);
        }
        Path params = dir.resolve("mlp-0002.params");
        assertThat(params).exists();
        try (Model loaded = Model.newInstance("mlp")) {
            loaded.setBlock(SmallModels.mlp(false));
            loaded.load(dir, "mlp");
            CheckpointReport atEpoch2 = sink.checkpoints.stream().filter(c -> c.step() == 32).findFirst().orElseThrow();
            assertThat(loaded.getProperty(DriftListener.PROPERTY_KL)).isEqualTo(Double.toString(atEpoch2.headline().mean()));
            var forgetting = atEpoch2.metrics().get(dev.driftwatch.contract.Metric.FORGETTING.wireName());
            assertThat(loaded.getProperty(DriftListener.PROPERTY_FORGETTING))
                    .isEqualTo(Double.toString(forgetting.mean()));
            assertThat(loaded.getProperty(DriftListener.PROPERTY_FORGETTING + "_ci_high"))
                    .isEqualTo(Double.toString(forgetting.ciHigh()));
            // trained on labels shifted by one class, the model forgets the probes' original labels
            assertThat(forgetting.mean()).isPositive();
        }
        // the save callback and the epoch checkpoint measured step 32 once
        assertThat(sink.checkpoints.stream().filter(c -> c.step() == 32)).hasSize(1);
    }

    @Test
    void runsFromOneBaseReuseTheCachedBase() throws Exception {
        Path cache = dir.resolve("cache");
        List<CheckpointReport> firsts = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            RecordingSink sink = new RecordingSink();
            try (Model model = Model.newInstance("mlp")) {
                model.setBlock(SmallModels.mlp(false));
                SmallModels.train(model, 5, 1, 0, t -> {}); // the same base both times
                SmallModels.train(model, 5, 1, 1, t -> {}, listener(sink).optBaseCache(cache).build());
            }
            firsts.add(sink.checkpoints.get(sink.checkpoints.size() - 1));
        }
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.filter(f -> f.toString().endsWith(".dwbase"))).hasSize(1);
        }
        assertThat(firsts.get(1).metrics()).isEqualTo(firsts.get(0).metrics());
    }

    /** A sink that takes every record and does nothing with it; tests override what they watch. */
    private abstract static class QuietSink implements DriftSink {
        @Override
        public void runStarted(RunInfo run) {}

        @Override
        public void checkpoint(CheckpointReport report) {}

        @Override
        public void runFinished(RunEnd end) {}
    }
}
