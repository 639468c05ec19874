package dev.driftwatch.plugin.params;

import java.util.SplittableRandom;

/** The small dense linear algebra of the stable-rank subspace iteration, in double on the JVM. */
final class Subspace {

    private Subspace() {}

    /**
     * Orthonormalises the columns of a row-major {@code [rows, cols]} block in place (modified
     * Gram-Schmidt, applied twice for accuracy). A column that vanishes against the previous ones (a
     * rank-deficient update) is replaced by a seeded pseudo-random direction, so the block keeps its
     * width.
     *
     * @param a the block, row-major
     * @param rows its rows (the vectors' length)
     * @param cols its columns (the number of vectors)
     * @return false when the block is zero or not finite
     */
    static boolean orthonormalize(double[] a, int rows, int cols) {
        double scale = 0;
        for (double x : a) {
            if (!Double.isFinite(x)) {
                return false;
            }
            scale = Math.max(scale, Math.abs(x));
        }
        if (scale == 0) {
            return false;
        }
        for (int j = 0; j < cols; j++) {
            double before = norm(a, rows, cols, j);
            for (int pass = 0; pass < 2; pass++) {
                project(a, rows, cols, j);
            }
            double after = norm(a, rows, cols, j);
            if (!(after > 1e-10 * Math.max(before, Double.MIN_NORMAL))) {
                SplittableRandom random = new SplittableRandom(0xC01 + j);
                for (int i = 0; i < rows; i++) {
                    a[i * cols + j] = random.nextDouble() - 0.5;
                }
                project(a, rows, cols, j);
                project(a, rows, cols, j);
                after = norm(a, rows, cols, j);
            }
            for (int i = 0; i < rows; i++) {
                a[i * cols + j] /= after;
            }
        }
        return true;
    }

    /** Removes from column j its components along columns 0..j-1 (assumed orthonormal). */
    private static void project(double[] a, int rows, int cols, int j) {
        for (int k = 0; k < j; k++) {
            double dot = 0;
            for (int i = 0; i < rows; i++) {
                dot += a[i * cols + k] * a[i * cols + j];
            }
            for (int i = 0; i < rows; i++) {
                a[i * cols + j] -= dot * a[i * cols + k];
            }
        }
    }

    private static double norm(double[] a, int rows, int cols, int j) {
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            sum += a[i * cols + j] * a[i * cols + j];
        }
        return Math.sqrt(sum);
    }

    /**
     * The largest eigenvalue of a small symmetric matrix, by cyclic Jacobi rotations.
     *
     * @param symmetric row-major {@code [n, n]}, symmetrised here (float rounding may leave it slightly off)
     * @param n its order
     * @return the largest eigenvalue
     */
    static double largestEigenvalue(double[] symmetric, int n) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i * n + j] = 0.5 * (symmetric[i * n + j] + symmetric[j * n + i]);
            }
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diagonal = 0;
            for (int i = 0; i < n; i++) {
                diagonal += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++) {
                    off += a[i * n + j] * a[i * n + j];
                }
            }
            if (off <= 1e-30 * diagonal) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p * n + q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k * n + p];
                        double akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p * n + k];
                        double aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[i * n + i]);
        }
        return max;
    }
}
