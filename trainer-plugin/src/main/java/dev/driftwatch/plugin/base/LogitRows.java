package dev.driftwatch.plugin.base;

import dev.driftwatch.plugin.math.HostDivergences;
import java.util.Arrays;

/**
 * One probe example's output distributions on the JVM, for reading single classes: per position the
 * float32 logits and the float64 log-normaliser {@code log sum exp(logit / tau)} over all V classes, so
 * that every log-probability is {@code logit / tau - normaliser} in double, as in the measurement. The
 * logits are either all V classes or the classes a {@link BaseDistribution} kept (its top k, most
 * probable first, then its sampled tail classes).
 *
 * @param logits the kept logits, row-major {@code [T, width]}
 * @param logNormalizers per position, the log-normaliser over all V classes
 * @param classes the class of each kept logit {@code [T, width]}, or null when every class is kept
 * @param width logits per position (V when every class is kept)
 * @param topK how many of each position's first kept classes are its most probable, in order (0 when
 *     every class is kept)
 * @param temperature tau
 */
public record LogitRows(float[] logits, double[] logNormalizers, long[] classes, int width, int topK,
        double temperature) {

    /**
     * The full distributions of one example, normalised here.
     *
     * @param logits the float32 logits, row-major {@code [T, V]}
     * @param classes V
     * @param temperature tau
     * @return the rows
     */
    public static LogitRows of(float[] logits, int classes, double temperature) {
        return new LogitRows(logits, HostDivergences.logNormalizers(logits, classes, temperature), null, classes, 0,
                temperature);
    }

    /**
     * Returns the log-probability of a class at a position, in double.
     *
     * @param p the position
     * @param c the class
     * @return {@code log P(c)}, or NaN when the class was not kept
     */
    public double logProbability(int p, int c) {
        int at = p * width;
        if (classes == null) {
            return logits[at + c] * (1.0 / temperature) - logNormalizers[p];
        }
        for (int j = 0; j < width; j++) {
            if (classes[at + j] == c) {
                return logits[at + j] * (1.0 / temperature) - logNormalizers[p];
            }
        }
        return Double.NaN;
    }

    /**
     * Returns the most probable classes at a position, most probable first.
     *
     * @param p the position
     * @param n how many
     * @return n classes, or at most k when only the top k are known
     */
    public int[] mostLikely(int p, int n) {
        int at = p * width;
        if (classes != null) {
            int[] out = new int[Math.min(n, topK)];
            for (int j = 0; j < out.length; j++) {
                out[j] = (int) classes[at + j];
            }
            return out;
        }
        int[] best = new int[Math.min(n, width)];
        Arrays.fill(best, -1);
        for (int c = 0; c < width; c++) {
            float x = logits[at + c];
            if (best[best.length - 1] >= 0 && x <= logits[at + best[best.length - 1]]) {
                continue;
            }
            int i = best.length - 1;
            while (i > 0 && (best[i - 1] < 0 || x > logits[at + best[i - 1]])) {
                best[i] = best[i - 1];
                i--;
            }
            best[i] = c;
        }
        return best;
    }
}
