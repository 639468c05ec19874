package dev.driftwatch.plugin.base;

import java.util.SplittableRandom;

/**
 * Compresses rows of base logits to what a bounded-memory base keeps per position, in double
 * precision on the JVM: the log-normaliser, the entropy, the argmax, the k most probable classes,
 * the log of the mass of all other classes (the tail) and, optionally, m classes sampled from the
 * tail in proportion to their probability.
 *
 * <p>The tail's log-mass is a log-sum-exp over the tail's own logits (never {@code 1 - sum(top k)},
 * which cancels to nothing when the tail is below the resolution of the top-k sum), so it is exact
 * for tails of 1e-12 and below and the k + 1 coarse bins are a true lower bound of every divergence.
 *
 * <p>The tail samples are drawn by systematic sampling along the tail's cumulative distribution (in
 * class order): one uniform offset per row, then m equally spaced points. Each draw is marginally
 * distributed as the normalised tail, so averages over the draws are unbiased, and their variance is
 * at most that of independent draws. The offset comes from the seed and the row's global index, so a
 * capture is reproducible.
 *
 * @param indices per row, the k top classes (most probable first) then the m sampled classes, {@code [rows * (k + m)]}
 * @param logits the raw logits of those classes, same layout
 * @param logNormalizer per row, {@code log sum exp(logit / tau)}
 * @param logTail per row, the log of the probability mass outside the top k
 * @param entropy per row, the entropy in nats
 * @param argmax per row, the most probable class
 */
public record TailSketch(long[] indices, float[] logits, double[] logNormalizer, double[] logTail, double[] entropy,
        long[] argmax) {

    /**
     * Compresses rows of logits.
     *
     * @param rowLogits row-major {@code [rows, classes]} raw logits (not divided by the temperature)
     * @param classes V
     * @param temperature tau
     * @param k top classes to keep, {@code 1 <= k < V}
     * @param samples tail classes to sample, 0 for none
     * @param seed the sampling seed
     * @param firstRow the global index of the first row (each row's draws depend on its global index)
     * @return the sketch
     */
    public static TailSketch of(float[] rowLogits, int classes, double temperature, int k, int samples, long seed,
            long firstRow) {
        if (k < 1 || k >= classes || samples < 0) {
            throw new IllegalArgumentException("need 1 <= k < classes and samples >= 0: k=" + k + ", samples=" + samples);
        }
        int rows = rowLogits.length / classes;
        int width = k + samples;
        long[] indices = new long[rows * width];
        float[] kept = new float[rows * width];
        double[] lse = new double[rows];
        double[] logTail = new double[rows];
        double[] entropy = new double[rows];
        long[] argmax = new long[rows];
        double inverse = 1.0 / temperature;
        int[] heap = new int[k];
        boolean[] top = new boolean[classes];
        double[] x = new double[classes];
        for (int r = 0; r < rows; r++) {
            int at = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int v = 0; v < classes; v++) {
                x[v] = rowLogits[at + v] * inverse;
                if (x[v] > max) {
                    max = x[v];
                    best = v;
                }
            }
            double sum = 0;
            double weighted = 0;
            for (int v = 0; v < classes; v++) {
                double e = Math.exp(x[v] - max);
                sum += e;
                weighted += e * (x[v] - max);
            }
            lse[r] = max + Math.log(sum);
            // H = -sum p (x - lse) = log(sum) - sum e (x - max) / sum, with no cancellation against lse
            entropy[r] = Math.log(sum) - weighted / sum;
            argmax[r] = best;

            int size = topK(x, classes, k, heap);
            java.util.Arrays.fill(top, false);
            for (int j = 0; j < size; j++) {
                top[heap[j]] = true;
            }
            // most probable first: sort the heap's k entries by descending logit (k is small)
            sortDescending(heap, x);
            int out = r * width;
            for (int j = 0; j < k; j++) {
                indices[out + j] = heap[j];
                kept[out + j] = rowLogits[at + heap[j]];
            }

            double tailMax = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < classes; v++) {
                if (!top[v]) {
                    tailMax = Math.max(tailMax, x[v]);
                }
            }
            double tailSum = 0;
            for (int v = 0; v < classes; v++) {
                if (!top[v]) {
                    tailSum += Math.exp(x[v] - tailMax);
                }
            }
            logTail[r] = tailMax + Math.log(tailSum) - lse[r];

            if (samples > 0) {
                SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (firstRow + r + 1)));
                double step = tailSum / samples;
                double next = random.nextDouble() * step;
                double cumulative = 0;
                int drawn = 0;
                int last = -1;
                for (int v = 0; v < classes && drawn < samples; v++) {
                    if (top[v]) {
                        continue;
                    }
                    last = v;
                    cumulative += Math.exp(x[v] - tailMax);
                    while (drawn < samples && next < cumulative) {
                        indices[out + k + drawn] = v;
                        kept[out + k + drawn] = rowLogits[at + v];
                        drawn++;
                        next += step;
                    }
                }
                // rounding can leave the last point just past the final cumulative sum: it belongs to the last class
                for (; drawn < samples; drawn++) {
                    indices[out + k + drawn] = last;
                    kept[out + k + drawn] = rowLogits[at + last];
                }
            }
        }
        return new TailSketch(indices, kept, lse, logTail, entropy, argmax);
    }

    /** Fills {@code heap} with the indices of the k largest values (ties: the lower index); returns k. */
    private static int topK(double[] x, int classes, int k, int[] heap) {
        // a min-heap of the k best so far, by (value, then higher index is worse)
        int size = 0;
        for (int v = 0; v < classes; v++) {
            if (size < k) {
                heap[size] = v;
                siftUp(heap, size++, x);
            } else if (x[v] > x[heap[0]]) {
                heap[0] = v;
                siftDown(heap, size, x);
            }
        }
        return size;
    }

    /** Whether a ranks below b: a smaller value, or the same value and a higher index. */
    private static boolean worse(int a, int b, double[] x) {
        return x[a] < x[b] || (x[a] == x[b] && a > b);
    }

    private static void siftUp(int[] heap, int at, double[] x) {
        while (at > 0) {
            int parent = (at - 1) / 2;
            if (!worse(heap[at], heap[parent], x)) {
                return;
            }
            int t = heap[at];
            heap[at] = heap[parent];
            heap[parent] = t;
            at = parent;
        }
    }

    private static void siftDown(int[] heap, int size, double[] x) {
        int at = 0;
        while (true) {
            int left = 2 * at + 1;
            if (left >= size) {
                return;
            }
            int child = left + 1 < size && worse(heap[left + 1], heap[left], x) ? left + 1 : left;
            if (!worse(heap[child], heap[at], x)) {
                return;
            }
            int t = heap[at];
            heap[at] = heap[child];
            heap[child] = t;
            at = child;
        }
    }

    private static void sortDescending(int[] heap, double[] x) {
        Integer[] boxed = new Integer[heap.length];
        for (int i = 0; i < heap.length; i++) {
            boxed[i] = heap[i];
        }
        java.util.Arrays.sort(boxed, (a, b) -> worse(a, b, x) ? 1 : worse(b, a, x) ? -1 : 0);
        for (int i = 0; i < heap.length; i++) {
            heap[i] = boxed[i];
        }
    }
}
