package dev.driftwatch.plugin.testing;

/**
 * An independent plain double-precision reference for the per-position metrics, written the
 * straightforward way (textbook formulas, no shared code with the plugin): softmax in double with the
 * maximum subtracted, then the sums term by term.
 */
public final class ReferenceDivergences {

    /** Columns of {@link #of}. */
    public static final int KL_PQ = 0, KL_QP = 1, JS = 2, TV = 3, ENTROPY_P = 4, ENTROPY_Q = 5, COLUMNS = 6;

    private ReferenceDivergences() {}

    /**
     * Log-softmax of one row of float logits at temperature tau, in double.
     *
     * @param logits all rows
     * @param at the row's first index
     * @param classes V
     * @param temperature tau
     * @return the log-probabilities
     */
    public static double[] logSoftmax(float[] logits, int at, int classes, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < classes; v++) {
            max = Math.max(max, logits[at + v] / temperature);
        }
        double sum = 0;
        for (int v = 0; v < classes; v++) {
            sum += Math.exp(logits[at + v] / temperature - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[classes];
        for (int v = 0; v < classes; v++) {
            out[v] = logits[at + v] / temperature - log;
        }
        return out;
    }

    /**
     * The metrics of one position.
     *
     * @param lp log P
     * @param lq log Q
     * @return KL(P||Q), KL(Q||P), JS, TV, H(P), H(Q)
     */
    public static double[] of(double[] lp, double[] lq) {
        double[] r = new double[COLUMNS];
        for (int v = 0; v < lp.length; v++) {
            double p = Math.exp(lp[v]);
            double q = Math.exp(lq[v]);
            // log M = log((P + Q) / 2) in log space: P and Q may underflow where their logs do not
            double high = Math.max(lp[v], lq[v]);
            double lm = Math.log(0.5) + high + Math.log(Math.exp(lp[v] - high) + Math.exp(lq[v] - high));
            if (p > 0) {
                r[KL_PQ] += p * (lp[v] - lq[v]);
                r[JS] += 0.5 * p * (lp[v] - lm);
                r[ENTROPY_P] -= p * lp[v];
            }
            if (q > 0) {
                r[KL_QP] += q * (lq[v] - lp[v]);
                r[JS] += 0.5 * q * (lq[v] - lm);
                r[ENTROPY_Q] -= q * lq[v];
            }
            r[TV] += 0.5 * Math.abs(p - q);
        }
        return r;
    }

    /**
     * The per-example means over scored positions.
     *
     * @param base base logits {@code [examples, positions, classes]}
     * @param ft fine-tuned logits, same layout
     * @param positions T
     * @param classes V
     * @param mask {@code [examples, positions]} or null
     * @param temperature tau
     * @return {@code [examples][COLUMNS]}
     */
    public static double[][] perExample(float[] base, float[] ft, int positions, int classes, float[] mask,
            double temperature) {
        int examples = base.length / positions / classes;
        double[][] out = new double[examples][COLUMNS];
        for (int i = 0; i < examples; i++) {
            double count = 0;
            for (int t = 0; t < positions; t++) {
                int position = i * positions + t;
                if (mask != null && mask[position] == 0) {
                    continue;
                }
                count++;
                int at = position * classes;
                double[] r = of(logSoftmax(base, at, classes, temperature), logSoftmax(ft, at, classes, temperature));
                for (int c = 0; c < COLUMNS; c++) {
                    out[i][c] += r[c];
                }
            }
            for (int c = 0; c < COLUMNS; c++) {
                out[i][c] /= count;
            }
        }
        return out;
    }

    /**
     * Per example, the task scores of one model: the mean over the scored positions of {@code -log P(target)}
     * and of {@code [argmax == target]} (the first of tied maxima).
     *
     * @param logits {@code [examples, positions, classes]}
     * @param targets {@code [examples, positions]}
     * @param mask {@code [examples, positions]} or null
     * @param positions T
     * @param classes V
     * @param temperature tau
     * @return {@code [examples][2]}: loss (nats/token), accuracy
     */
    public static double[][] taskScores(float[] logits, long[] targets, float[] mask, int positions, int classes,
            double temperature) {
        int examples = logits.length / positions / classes;
        double[][] out = new double[examples][2];
        for (int i = 0; i < examples; i++) {
            int scored = 0;
            for (int t = 0; t < positions; t++) {
                int position = i * positions + t;
                if (mask != null && mask[position] == 0) {
                    continue;
                }
                int at = position * classes;
                int target = (int) targets[position];
                out[i][0] -= logSoftmax(logits, at, classes, temperature)[target];
                out[i][1] += argmax(logits, at, classes) == target ? 1 : 0;
                scored++;
            }
            out[i][0] /= scored;
            out[i][1] /= scored;
        }
        return out;
    }

    /**
     * The first class with the largest logit in one row.
     *
     * @param logits all rows
     * @param at the row's first index
     * @param classes V
     * @return the class
     */
    public static int argmax(float[] logits, int at, int classes) {
        int best = 0;
        for (int v = 1; v < classes; v++) {
            if (logits[at + v] > logits[at + best]) {
                best = v;
            }
        }
        return best;
    }
}
