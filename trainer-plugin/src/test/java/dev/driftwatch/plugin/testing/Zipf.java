package dev.driftwatch.plugin.testing;

import java.util.Random;

/** Zipf-shaped logits for tests: {@code -s ln(rank)}, the ranks shuffled over the classes per position. */
public final class Zipf {

    private Zipf() {}

    /**
     * Draws a random assignment of ranks to classes.
     *
     * @param r the random source
     * @param classes V
     * @return {@code rankOf[v]} in {@code [0, V)}, a permutation
     */
    public static int[] shuffledRanks(Random r, int classes) {
        int[] perm = new int[classes];
        for (int v = 0; v < classes; v++) {
            perm[v] = v;
        }
        for (int v = classes - 1; v > 0; v--) {
            int j = r.nextInt(v + 1);
            int t = perm[v];
            perm[v] = perm[j];
            perm[j] = t;
        }
        return perm;
    }
}
