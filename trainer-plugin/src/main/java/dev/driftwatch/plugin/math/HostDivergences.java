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
 * <p>The log-probabilities of both sides must come from {@link #logSoftmax}, so that an unchanged
 * model gives bit-identical log-probabilities and exactly zero divergence.
 */
public final class HostDivergences {

    private static final double LN2 = Math.log(2);

    private HostDivergences() {}

    /**
     * Log-softmax over each row of {@code classes} values after dividing by the temperature, rounded
     * to float.
     *
     * @param logits row-major {@code [rows, classes]}
     * @param classes V
     * @param temperature tau
     * @return the log-probabilities, same layout
     */
    public static float[] logSoftmax(float[] logits, int classes, double temperature) {
        float[] out = new float[logits.length];
        double inverse = 1.0 / temperature;
        for (int at = 0; at < logits.length; at += classes) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < classes; v++) {
                // a NaN logit propagates: max stays, the sum below becomes NaN
                max = Math.max(max, logits[at + v] * inverse);
            }
            double sum = 0;
            for (int v = 0; v < classes; v++) {
                sum += Math.exp(logits[at + v] * inverse - max);
            }
            double shift = max + Math.log(sum);
            for (int v = 0; v < classes; v++) {
                out[at + v] = (float) (logits[at + v] * inverse - shift);
            }
        }
        return out;
    }

    /**
     * Computes the per-example metrics of Q against P.
     *
     * @param lp base log-probabilities {@code [examples, positions, classes]}
     * @param baseArgmax the base's argmax per position {@code [examples, positions]}
     * @param lq current log-probabilities, same layout as {@code lp}
     * @param positions T
     * @param classes V
     * @param mask {@code [examples, positions]} with 1 for scored positions, or null when all count
     * @param sums whether to append the per-example sums of KL(P||Q) and KL(Q||P) over the positions
     * @return row-major {@code [examples, width]}: the means over the scored positions of KL(P||Q),
     *     KL(Q||P), JS, TV, top-1 agreement and the entropy of Q, then the two sums when asked
     */
    public static double[] perExample(float[] lp, long[] baseArgmax, float[] lq, int positions, int classes,
            float[] mask, boolean sums) {
        int width = Divergences.BINNED_COLUMNS + 2 + (sums ? 2 : 0);
        int examples = baseArgmax.length / positions;
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
                float max = lq[at];
                for (int v = 0; v < classes; v++) {
                    double lpv = lp[at + v];
                    double lqv = lq[at + v];
                    max = Math.max(max, lq[at + v]);
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
                        js += (p + q) * (LN2 - Math.log(1 + low / high)) - low * Math.abs(d);
                    } else if (high != 0) {
                        js = Double.NaN; // a NaN probability
                    }
                }
                acc[Divergences.KL_PQ] += w * klPq;
                acc[Divergences.KL_QP] += w * klQp;
                acc[Divergences.JS] += w * 0.5 * js;
                acc[Divergences.TV] += w * 0.5 * tv;
                // as Divergences.topAgrees: the base's top class is a top class of Q
                acc[Divergences.BINNED_COLUMNS] += lq[at + (int) baseArgmax[position]] >= max ? w : 0;
                acc[Divergences.BINNED_COLUMNS + 1] += w * entropy;
            }
            int row = i * width;
            for (int c = 0; c < acc.length; c++) {
                out[row + c] = acc[c] / weights;
            }
            if (sums) {
                out[row + acc.length] = acc[Divergences.KL_PQ];
                out[row + acc.length + 1] = acc[Divergences.KL_QP];
            }
        }
        return out;
    }
}
