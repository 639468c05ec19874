package dev.driftwatch.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.contract.WireText;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Per-token drift of the top examples against a plain double-precision reference computed here from
 * the model's logits, at a 32k vocabulary, with the base kept exactly and as top-k plus tail.
 */
@Timeout(180)
class TokenDriftTest {

    private static final int VOCABULARY = 32_000;

    @ParameterizedTest
    @CsvSource({"268435456, 0, exact", "1048576, 0, topk(64)", "1048576, 192, topk(64)+tail(192)"})
    void topExamplesCarryTheirTokensPerTokenKlAndMovedTokens(long budget, int tail, String approximation) {
        int n = 24;
        int t = 8;
        int prompt = 3;
        Random r = new Random(5);
        long[] ids = new long[n * t];
        float[] mask = new float[n * t];
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slices.add(i % 2 == 0 ? "on-task" : "off-task/general");
            int length = t - i % 3; // some padded examples
            for (int p = 0; p < t; p++) {
                ids[i * t + p] = p < length ? 3 + r.nextInt(VOCABULARY - 3) : 0;
                mask[i * t + p] = p + 1 >= prompt && p < length - 1 ? 1 : 0;
            }
        }
        ProbeSet probes = ProbeSet.builder().addInput("tokens", ids, new Shape(t)).optMask(mask, t).optSlices(slices)
                .build();
        List<String> vocabulary = new ArrayList<>();
        for (int v = 0; v < VOCABULARY; v++) {
            vocabulary.add("w" + v);
        }
        DriftSettings settings = new DriftSettings(probes, 1.0, 0, 8, budget, 64, tail, null, 1000, 42, 4, false, 0);
        Engine.getInstance().setRandomSeed(3);
        try (Model model = Model.newInstance("lm")) {
            model.setBlock(new SequentialBlock()
                    .add(new IdEmbedding.Builder().setDictionarySize(VOCABULARY).setEmbeddingSize(16).build())
                    .add(Linear.builder().setUnits(VOCABULARY).build()));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()));
                    DriftMeter meter = new DriftMeter(settings)) {
                meter.useVocabulary(vocabulary);
                trainer.initialize(new Shape(1, t));
                NDArray input = trainer.getManager().create(ids, new Shape(n, t));
                float[] base = trainer.evaluate(new NDList(input)).head().toFloatArray();
                meter.captureBase(trainer);
                assertThat(meter.approximation()).isEqualTo(approximation);
                DriftMeterTest.perturb(model.getBlock(), trainer.getManager(), 0.05f);
                float[] ft = trainer.evaluate(new NDList(input)).head().toFloatArray();

                DriftMeter.Measurement measured = meter.measure(trainer);
                List<TopExample> top = measured.aggregates().top();
                // the wire form keeps the detail (a base probability outside the kept top-k travels as null)
                CheckpointReport report = new CheckpointReport("run", 1, 0, java.time.Instant.EPOCH, true, null,
                        meter.approximation(), 1.0, n, measured.aggregates().metrics(), measured.aggregates().slices(),
                        top, null, java.util.Map.of());
                CheckpointReport back = (CheckpointReport) WireJson.fromLine(WireJson.toLine(report));
                assertThat(back.topExamples()).usingRecursiveComparison().isEqualTo(top);

                assertThat(top).hasSize(4);
                for (TopExample e : top) {
                    int i = probes.ids().indexOf(e.probeId());
                    TokenDrift d = e.tokens();
                    assertThat(d).as(e.probeId()).isNotNull();
                    // tokens: the input up to the last scored position, then the token it predicts
                    int last = lastScored(mask, i, t);
                    assertThat(d.tokens()).hasSize(last + 2);
                    for (int p = 0; p <= last + 1; p++) {
                        assertThat(d.tokens().get(p)).isEqualTo("w" + ids[i * t + p]);
                    }
                    double sum = 0;
                    int scored = 0;
                    for (int p = 0; p < t; p++) {
                        Double kl = p + 1 < d.kl().size() ? d.kl().get(p + 1) : null;
                        if (mask[i * t + p] == 0) {
                            assertThat(kl).as("unscored position %d", p).isNull();
                            continue;
                        }
                        double[] lp = DriftMeterTest.logSoftmax(base, (i * t + p) * VOCABULARY, VOCABULARY);
                        double[] lq = DriftMeterTest.logSoftmax(ft, (i * t + p) * VOCABULARY, VOCABULARY);
                        double exact = 0;
                        for (int c = 0; c < VOCABULARY; c++) {
                            exact += Math.exp(lp[c]) * (lp[c] - lq[c]);
                        }
                        if (approximation.equals("exact")) {
                            assertThat(kl).as("KL at %d", p).isCloseTo(exact, within(1e-3 * exact + 1e-7));
                        } else if (tail == 0) {
                            // the base's 64 most probable tokens and the rest as one bin: a lower bound
                            double binned = binnedKl(lp, lq, 64);
                            assertThat(binned).isLessThanOrEqualTo(exact * (1 + 1e-9));
                            assertThat(kl).as("KL at %d", p).isCloseTo(binned, within(1e-3 * binned + 1e-7));
                        } else {
                            // the sampled tail's estimate (what the measurement ranks by), never below the
                            // binned lower bound; its average is checked against the ranked value below
                            assertThat(kl).as("KL at %d", p).isGreaterThanOrEqualTo(binnedKl(lp, lq, 64) * (1 - 1e-3));
                        }
                        sum += kl;
                        scored++;
                    }
                    // the per-token values average to the example's ranked value
                    assertThat(sum / scored).isCloseTo(e.value(), within(1e-3 * e.value() + 1e-6));
                    assertWorstPositions(d, i, t, base, ft, approximation.equals("exact"));
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void tokensTheServiceWouldRefuseAreSentAsTheirControlPictures() {
        // fortunes overstrikes with backspace; the service refuses C0 controls other than tab, LF, CR
        assertThat(TokenDetails.printable("_\bH_\bi")).isEqualTo("_\u2408H_\u2408i");
        assertThat(TokenDetails.printable("\u0000\u001b\u007f")).isEqualTo("\u2400\u241b\u2421");
        assertThat(TokenDetails.printable("a\tb\nc\r")).isEqualTo("a\tb\nc\r");
        assertThat(TokenDetails.printable("\ud83d\ude00 ok")).isEqualTo("\ud83d\ude00 ok");
        assertThat(TokenDetails.printable("x\ud83d")).isEqualTo("x\ufffd");
        assertThat(TokenDetails.printable("\ude00y")).isEqualTo("\ufffdy");
        // C1 controls (NEL, CSI), an empty text (a decoded special token), a text past the service's 256
        assertThat(TokenDetails.printable("a\u0085b\u009b")).isEqualTo("a<0x85>b<0x9B>");
        assertThat(TokenDetails.printable("")).isEqualTo("\u2205");
        String longToken = "x".repeat(254) + "\ud83d\ude00" + "y".repeat(10);
        assertThat(TokenDetails.printable(longToken)).hasSize(TokenDrift.MAX_TOKEN_LENGTH - 1).endsWith("x…");
        assertThat(TokenDetails.printable("z".repeat(300))).hasSize(TokenDrift.MAX_TOKEN_LENGTH).endsWith("z…");
        for (String t : List.of("a\u0085b", "", longToken, "z".repeat(300), "_\bH", "x\ud83d")) {
            String shown = TokenDetails.printable(t);
            assertThat(shown.length()).isBetween(1, TokenDrift.MAX_TOKEN_LENGTH);
            assertThat(WireText.problem(shown)).as(shown).isNull();
        }
    }

    /**
     * A context longer than the service takes in one example's detail (4096 tokens), with a vocabulary
     * holding texts the service refuses as they are: the detail is the window around the worst position, and
     * every text is one the service takes. Before, such a checkpoint was refused whole.
     */
    @org.junit.jupiter.api.Test
    void aLongContextIsShownAsTheWindowAroundItsWorstPositionInTextTheServiceTakes() {
        int t = 5000;
        List<String> vocabulary = new ArrayList<>();
        for (int v = 0; v < 2 * t; v++) {
            vocabulary.add(v % 4 == 0 ? "" : v % 4 == 1 ? "nel\u0085" : v % 4 == 2 ? "w".repeat(400) : "w" + v);
        }
        int worst = 4321; // one position of example 0 moves far, the rest a little
        DriftMeter.Measurement m = measureLogitTable(t, 2, vocabulary, 2, worst);
        assertThat(m.valid()).as(m.invalidReason()).isTrue();
        TopExample top = m.aggregates().top().get(0);
        assertThat(top.probeId()).isEqualTo("0");
        TokenDrift d = top.tokens();
        assertThat(d).isNotNull();
        assertThat(d.tokens()).hasSize(TokenDrift.MAX_TOKENS);
        // the full detail would be 5001 tokens (positions 0..4999, then the token past the last)
        assertThat(d.tokens().get(0)).isEqualTo("…");
        assertThat(d.kl().get(0)).isNull();
        TokenDrift.Position first = d.worst().get(0);
        // token worst + 1 is predicted by position worst; renumbered into the window
        int start = 5001 - TokenDrift.MAX_TOKENS;
        assertThat(first.index()).isEqualTo(worst + 1 - start);
        assertThat(d.kl().get(first.index())).isEqualTo(first.kl()).isGreaterThan(1);
        for (String token : d.tokens()) {
            assertThat(token.length()).isBetween(1, TokenDrift.MAX_TOKEN_LENGTH);
            assertThat(WireText.problem(token)).as(token).isNull();
        }
        for (TokenDrift.Position w : d.worst()) {
            for (TokenDrift.Choice c : w.base()) {
                assertThat(WireText.problem(c.token())).isNull();
                assertThat(c.token().length()).isBetween(1, TokenDrift.MAX_TOKEN_LENGTH);
            }
        }
    }

    /**
     * Many top examples of long sequences of long tokens: the detail stops at 32 examples, and earlier once
     * the details so far take 4 MiB of JSON, so a checkpoint stays well within the service's 16 MB body limit.
     * Before, 40 examples of 2048 tokens of 256 characters made a checkpoint of ~60 MB, which the service
     * refused whole.
     */
    @org.junit.jupiter.api.Test
    void theDetailOfManyLongExamplesStaysWithinTheServicesBodyLimit() {
        int n = 40;
        List<String> shortTokens = new ArrayList<>();
        for (int v = 0; v < n * 8; v++) {
            shortTokens.add("w" + v);
        }
        List<TopExample> few = measureLogitTable(8, n, shortTokens, n, 3).aggregates().top();
        assertThat(few).hasSize(n);
        assertThat(few.subList(0, TokenDetails.MAX_DETAILED_EXAMPLES)).allMatch(e -> e.tokens() != null);
        assertThat(few.subList(TokenDetails.MAX_DETAILED_EXAMPLES, n)).allMatch(e -> e.tokens() == null);

        int t = 2048;
        List<String> longTokens = new ArrayList<>();
        for (int v = 0; v < n * t; v++) {
            longTokens.add(Integer.toString(v) + "w".repeat(250));
        }
        List<TopExample> top = measureLogitTable(t, n, longTokens, n, 3).aggregates().top();
        assertThat(top).hasSize(n);
        long bytes = 0;
        int detailed = 0;
        for (TopExample e : top) {
            if (e.tokens() != null) {
                detailed++;
                bytes += WireJson.write(WireJson.toMap(e.tokens())).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                        .length;
            }
        }
        System.out.printf("%d of %d long examples detailed, %d bytes of JSON%n", detailed, n, bytes);
        assertThat(detailed).isBetween(1, 4);
        assertThat(bytes).isLessThan(8L << 20);
    }

    /**
     * Measures a logit table of {@code n} examples of {@code t} positions over 16 classes whose fine-tuned
     * logits move a little everywhere and far at position {@code worst} of example 0.
     */
    private static DriftMeter.Measurement measureLogitTable(int t, int n, List<String> vocabulary, int topExamples,
            int worst) {
        int classes = 16;
        float[] ids = new float[n * t];
        float[] mask = new float[n * t];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = k;
            mask[k] = k % t == 0 ? 0 : 1;
        }
        ProbeSet probes = ProbeSet.builder().addInput("tokens", ids, new Shape(t)).optMask(mask, t).build();
        Random r = new Random(9);
        float[] base = new float[n * t * classes];
        for (int k = 0; k < base.length; k++) {
            base[k] = (float) r.nextGaussian();
        }
        float[] ft = base.clone();
        for (int k = 0; k < ft.length; k++) {
            ft[k] += (float) (0.01 * r.nextGaussian());
        }
        ft[worst * classes + 3] += 8;
        DriftSettings settings = new DriftSettings(probes, 1.0, 0, 2, 1L << 30, 64, 0, null, 1000, 42, topExamples,
                false, 0);
        try (dev.driftwatch.plugin.testing.LogitTable table = new dev.driftwatch.plugin.testing.LogitTable(n * t,
                classes, t); DriftMeter meter = new DriftMeter(settings)) {
            meter.useVocabulary(vocabulary);
            table.set(base);
            meter.captureBase(table.trainer());
            table.set(ft);
            return meter.measure(table.trainer());
        }
    }

    private static void assertWorstPositions(TokenDrift d, int i, int t, float[] base, float[] ft, boolean exact) {
        assertThat(d.worst()).hasSize(TokenDetails.WORST_POSITIONS);
        double previous = Double.POSITIVE_INFINITY;
        for (TokenDrift.Position w : d.worst()) {
            assertThat(w.kl()).isLessThanOrEqualTo(previous).isEqualTo(d.kl().get(w.index()));
            previous = w.kl();
            int p = w.index() - 1;
            double[] lp = DriftMeterTest.logSoftmax(base, (i * t + p) * VOCABULARY, VOCABULARY);
            double[] lq = DriftMeterTest.logSoftmax(ft, (i * t + p) * VOCABULARY, VOCABULARY);
            int[] baseBest = argsort(lp);
            int[] ftBest = argsort(lq);
            assertThat(w.base()).hasSize(TokenDetails.CHOICES);
            for (int k = 0; k < TokenDetails.CHOICES; k++) {
                TokenDrift.Choice b = w.base().get(k);
                assertThat(b.token()).isEqualTo("w" + baseBest[k]);
                assertThat(b.base()).isCloseTo(Math.exp(lp[baseBest[k]]), within(1e-5));
                assertThat(b.fineTuned()).isCloseTo(Math.exp(lq[baseBest[k]]), within(1e-5));
                TokenDrift.Choice f = w.fineTuned().get(k);
                assertThat(f.token()).isEqualTo("w" + ftBest[k]);
                assertThat(f.fineTuned()).isCloseTo(Math.exp(lq[ftBest[k]]), within(1e-5));
                if (exact) {
                    assertThat(f.base()).isCloseTo(Math.exp(lp[ftBest[k]]), within(1e-5));
                }
            }
        }
    }

    /** KL(base||ft) over the base's k most probable tokens and one bin for the rest, in plain doubles. */
    private static double binnedKl(double[] lp, double[] lq, int k) {
        int[] top = argsort(lp, k);
        double kl = 0;
        double baseKept = 0;
        double ftKept = 0;
        for (int c : top) {
            kl += Math.exp(lp[c]) * (lp[c] - lq[c]);
            baseKept += Math.exp(lp[c]);
            ftKept += Math.exp(lq[c]);
        }
        double baseTail = 1 - baseKept;
        return kl + baseTail * (Math.log(baseTail) - Math.log(1 - ftKept));
    }

    private static int lastScored(float[] mask, int i, int t) {
        int last = -1;
        for (int p = 0; p < t; p++) {
            if (mask[i * t + p] != 0) {
                last = p;
            }
        }
        return last;
    }

    private static int[] argsort(double[] values) {
        return argsort(values, TokenDetails.CHOICES);
    }

    private static int[] argsort(double[] values, int n) {
        Integer[] order = new Integer[values.length];
        for (int c = 0; c < order.length; c++) {
            order[c] = c;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        int[] out = new int[n];
        for (int k = 0; k < out.length; k++) {
            out[k] = order[k];
        }
        return out;
    }
}
