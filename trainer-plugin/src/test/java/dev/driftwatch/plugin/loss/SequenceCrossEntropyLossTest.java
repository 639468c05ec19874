package dev.driftwatch.plugin.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The masked [B, T, V] cross-entropy against hand-computed and plain double-precision values. */
class SequenceCrossEntropyLossTest {

    @Test
    void aHandComputedCase() {
        // B = 1, T = 2, V = 3; position 0 logits (0, ln 2, ln 3) -> probs (1/6, 2/6, 3/6), target 2;
        // position 1 logits (0, 0, 0) -> probs 1/3 each, target 0.
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), 0f, 0f, 0f};
        try (NDManager m = NDManager.newBaseManager()) {
            NDList predictions = new NDList(m.create(logits, new Shape(1, 2, 3)));
            NDList both = new NDList(m.create(new long[] {2, 0}, new Shape(1, 2)));
            NDList firstOnly = new NDList(m.create(new long[] {2, 0}, new Shape(1, 2)),
                    m.create(new float[] {1, 0}, new Shape(1, 2)));
            SequenceCrossEntropyLoss loss = new SequenceCrossEntropyLoss();

            // unmasked: mean of -ln(1/2) and -ln(1/3)
            assertThat(loss.evaluate(both, predictions).getFloat())
                    .isCloseTo((float) ((Math.log(2) + Math.log(3)) / 2), within(1e-6f));
            // masked: only position 0 counts, -ln(1/2)
            assertThat(loss.evaluate(firstOnly, predictions).getFloat()).isCloseTo((float) Math.log(2), within(1e-6f));
        }
    }

    @Test
    void matchesAPlainDoubleReferenceAtAnLmVocabulary() {
        int b = 3;
        int t = 5;
        int v = 32_000;
        Random random = new Random(7);
        float[] logits = new float[b * t * v];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        long[] targets = new long[b * t];
        float[] mask = new float[b * t];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = random.nextInt(v);
            mask[i] = random.nextInt(3) == 0 ? 0 : 1;
        }
        double sum = 0;
        double count = 0;
        for (int p = 0; p < b * t; p++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < v; c++) {
                max = Math.max(max, logits[p * v + c]);
            }
            double z = 0;
            for (int c = 0; c < v; c++) {
                z += Math.exp(logits[p * v + c] - max);
            }
            double nll = -(logits[p * v + (int) targets[p]] - max - Math.log(z));
            sum += mask[p] * nll;
            count += mask[p];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float value = new SequenceCrossEntropyLoss().evaluate(
                    new NDList(m.create(targets, new Shape(b, t)), m.create(mask, new Shape(b, t))),
                    new NDList(m.create(logits, new Shape(b, t, v)))).getFloat();
            assertThat((double) value).isCloseTo(sum / count, within(1e-4 * sum / count));
        }
    }

    @Test
    void aTargetRuledOutWhereTheMaskIsZeroLeavesTheLossAndItsGradientFinite() {
        // B = 1, T = 2, V = 3. The model rules token 0 (<pad>) out with a -inf logit; the padded position 1
        // targets <pad> and is masked. Position 0: probs (0, 1/4, 3/4), target 2 -> -ln(3/4).
        float ruledOut = Float.NEGATIVE_INFINITY;
        float[] logits = {ruledOut, 0f, (float) Math.log(3), ruledOut, 0f, 0f};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(logits, new Shape(1, 2, 3));
            x.setRequiresGradient(true);
            NDList labels = new NDList(m.create(new long[] {2, 0}, new Shape(1, 2)),
                    m.create(new float[] {1, 0}, new Shape(1, 2)));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray value = new SequenceCrossEntropyLoss().evaluate(labels, new NDList(x));
                assertThat(value.getFloat()).isCloseTo((float) -Math.log(0.75), within(1e-6f));
                collector.backward(value);
            }
            // d/dlogits of -log softmax at position 0: softmax - one-hot; nothing flows to position 1
            assertThat(x.getGradient().toFloatArray()).containsExactly(new float[] {0f, 0.25f, -0.25f, 0f, 0f, 0f},
                    within(1e-6f));
        }
    }

    @Test
    void aBatchWithoutScoredPositionsIsZeroAndWrongShapesAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDList predictions = new NDList(m.ones(new Shape(2, 3, 4)));
            NDList noneScored = new NDList(m.zeros(new Shape(2, 3)), m.zeros(new Shape(2, 3)));
            assertThat(new SequenceCrossEntropyLoss().evaluate(noneScored, predictions).getFloat()).isZero();

            NDList classifierLabels = new NDList(m.zeros(new Shape(2)));
            assertThatThrownBy(() -> new SequenceCrossEntropyLoss().evaluate(classifierLabels, predictions))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[B, T, V]");
        }
    }
}
