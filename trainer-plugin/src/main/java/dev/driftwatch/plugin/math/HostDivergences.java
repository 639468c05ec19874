package dev.driftwatch.plugin.math;

/**
 * The per-position metrics of {@link Divergences} and their per-example reductions, computed on the
 * JVM in one loop over plain arrays, in double precision.
 *
 * <p>For small outputs (a classifier's few classes) a measurement through NDArray operations costs a
 * few hundred native calls of tens of microseconds each, far more than the arithmetic; this path
 * copies the logits once and does the same arithmetic in a tight loop. The formulas are those of
 * {@link Divergences}: KL both ways, Jensen–Shannon as {@code 1/2 sum [(p + q) c - min(p, q) |d|]} with
 * {@code c = ln 2 - log(1 + exp(-|d|))} (here {@code exp(-|d|) = min(p, q) / max(p, q)}, so it is
 * exactly 0 when P = Q), total variation, top-1 agreement and the entropy of Q.
 *
 * <p>Both sides start from float32 logits; every log-probability is {@code logit / tau - lse} with the
 * log-normaliser {@code lse} in double, so an unchanged model gives identical log-probabilities and
 * exactly zero divergence, and nothing is rounded to float on the way.
 */
public final class HostDivergences {

    private static final double LN2 = Math.log(2);

    private HostDivergences() {}

    /**
     * The log-normaliser {@code log sum exp(logit / tau)} of each row, in double.
     *
     * @param logits row-major {@code [rows, classes]}
     * @param classes V
     * @param temperature tau
     * @return one value per row (NaN when a row has a NaN logit)
     */
    public static double[] logNormalizers(float[] logits, int classes, double temperature) {
        double[] out = new double[logits.length / classes];
        double inverse = 1.0 / temperature;
        for (int r = 0; r < out.length; r++) {
            int at = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < classes; v++) {
                // a NaN logit propagates: max stays, the sum below becomes NaN
                max = Math.max(max, logits[at + v] * inverse);
            }
            double sum = 0;
            for (int v = 0; v < classes; v++) {
                sum += Math.exp(logits[at + v] * inverse - max);
            }
            out[r] = max + Math.log(sum);
        }
        return out;
    }

    /**
     * Log-softmax over each row of {@code classes} values after dividing by the temperature, formed in
     * double and rounded to float once.
     *
     * @param logits row-major {@code [rows, classes]}
     * @param classes V
     * @param temperature tau
     * @return the log-probabilities, same layout
     */
    public static float[] logSoftmax(float[] logits, int classes, double temperature) {
        double[] lse = logNormalizers(logits, classes, temperature);
        float[] out = new float[logits.length];
        double inverse = 1.0 / temperature;
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (logits[i] * inverse - lse[i / classes]);
        }
        return out;
    }

    /**
     * Computes the per-example metrics of Q against P.
     *
     * @param baseLogits base logits {@code [examples, positions, classes]}
     * @param baseLse the base's log-normalisers {@code [examples, positions]} ({@link #logNormalizers})
     * @param baseArgmax the base's argmax per position {@code [examples, positions]}
     * @param logits current logits, same layout as {@code baseLogits}
     * @param temperature tau
     * @param positions T
     * @param classes V
     * @param mask {@code [examples, positions]} with 1 for scored positions, or null when all count
     * @param sums whether to append the per-example sums of KL(P||Q) and KL(Q||P) over the positions
     * @return row-major {@code [examples, width]}: the means over the scored positions of KL(P||Q),
     *     KL(Q||P), JS, TV, top-1 agreement and the entropy of Q, a 0 (the sampling variance column of the
     *     device path), then the two sums when asked
     */
    public static double[] perExample(float[] baseLogits, double[] baseLse, long[] baseArgmax, float[] logits,
            double temperature, int positions, int classes, float[] mask, boolean sums) {
        int columns = Divergences.BINNED_COLUMNS + 3;
        int width = columns + (sums ? 2 : 0);
        int examples = baseArgmax.length / positions;
        double[] lse = logNormalizers(logits, classes, temperature);
        double inverse = 1.0 / temperature;
        double[] out = new double[examples * width];
        double[] acc = new double[Divergences.BINNED_COLUMNS + 2];
        for (int i = 0; i < examples; i++) {
            java.util.Arrays.fill(acc, 0);
            double weights = 0;
            for (int t = 0; t < positions; t++) {
                int position = i * positions + t;
                double w = mask == null ? 1 : mask[position];
                weights += w;
                if (w == 0) {
                    continue;
                }
                int at = position * classes;
                double klPq = 0;
                double klQp = 0;
                double js = 0;
                double tv = 0;
                double entropy = 0;
                float max = logits[at];
                double lseP = baseLse[position];
                double lseQ = lse[position];
                for (int v = 0; v < classes; v++) {
                    double lpv = baseLogits[at + v] * inverse - lseP;
                    double lqv = logits[at + v] * inverse - lseQ;
                    max = Math.max(max, logits[at + v]);
                    double p = Math.exp(lpv);
                    double q = Math.exp(lqv);
                    double d = lpv - lqv;
                    klPq += p * d;
                    klQp -= q * d;
                    tv += Math.abs(p - q);
                    entropy -= q * lqv;
                    double low = Math.min(p, q);
                    double high = Math.max(p, q);
                    if (high > 0) {
                        js += (p + q) * (LN2 - Math.log1p(low / high)) - low * Math.abs(d);
                    } else if (high != 0) {
                        js = Double.NaN; // a NaN probability
                    }
                }
                acc[Divergences.KL_PQ] += w * klPq;
                acc[Divergences.KL_QP] += w * klQp;
                acc[Divergences.JS] += w * 0.5 * js;
                acc[Divergences.TV] += w * 0.5 * tv;
                // as Divergences.topAgrees: the base's top class is a top class of Q
                acc[Divergences.BINNED_COLUMNS] += logits[at + (int) baseArgmax[position]] >= max ? w : 0;
                acc[Divergences.BINNED_COLUMNS + 1] += w * entropy;
            }
            int row = i * width;
            for (int c = 0; c < acc.length; c++) {
                out[row + c] = acc[c] / weights;
            }
            if (sums) {
                out[row + columns] = acc[Divergences.KL_PQ];
                out[row + columns + 1] = acc[Divergences.KL_QP];
            }
        }
        return out;
    }
}
