package dev.driftwatch.plugin.params;

import java.util.SplittableRandom;

/** The small dense linear algebra of the stable rank's block Krylov space, in double on the JVM. */
final class Subspace {

    private Subspace() {}

    /**
     * Orthonormalises the rows {@code from..count-1} of a row-major {@code [count, length]} block of vectors
     * in place, against each other and against the rows before them, which must be orthonormal already
     * (modified Gram-Schmidt, applied twice for accuracy). A vector that vanishes against the previous
     * ones (a rank-deficient update) is replaced by a seeded pseudo-random direction, so the block keeps
     * its size.
     *
     * @param a the vectors, one per row
     * @param count the number of vectors
     * @param length their length
     * @param from the first vector to orthonormalise
     * @return false when the vectors to orthonormalise are zero or not finite
     */
    static boolean orthonormalize(double[] a, int count, int length, int from) {
        double scale = 0;
        for (int i = from * length; i < count * length; i++) {
            if (!Double.isFinite(a[i])) {
                return false;
            }
            scale = Math.max(scale, Math.abs(a[i]));
        }
        if (scale == 0) {
            return false;
        }
        for (int j = from; j < count; j++) {
            double before = norm(a, length, j);
            for (int pass = 0; pass < 2; pass++) {
                project(a, length, j);
            }
            double after = norm(a, length, j);
            if (!(after > 1e-10 * Math.max(before, Double.MIN_NORMAL))) {
                SplittableRandom random = new SplittableRandom(0xC01 + j);
                for (int i = 0; i < length; i++) {
                    a[j * length + i] = random.nextDouble() - 0.5;
                }
                project(a, length, j);
                project(a, length, j);
                after = norm(a, length, j);
            }
            for (int i = 0; i < length; i++) {
                a[j * length + i] /= after;
            }
        }
        return true;
    }

    /** Removes from vector j its components along vectors 0..j-1 (assumed orthonormal). */
    private static void project(double[] a, int length, int j) {
        int at = j * length;
        for (int k = 0; k < j; k++) {
            int other = k * length;
            double dot = 0;
            for (int i = 0; i < length; i++) {
                dot += a[other + i] * a[at + i];
            }
            for (int i = 0; i < length; i++) {
                a[at + i] -= dot * a[other + i];
            }
        }
    }

    private static double norm(double[] a, int length, int j) {
        double sum = 0;
        for (int i = j * length; i < (j + 1) * length; i++) {
            sum += a[i] * a[i];
        }
        return Math.sqrt(sum);
    }

    /**
     * The eigenvalues and eigenvectors of a small symmetric matrix, by cyclic Jacobi rotations.
     *
     * @param symmetric row-major {@code [n, n]}, symmetrised here (float rounding may leave it slightly off)
     * @param n its order
     * @return the eigenpairs, largest eigenvalue first
     */
    static Eigen eigen(double[] symmetric, int n) {
        double[] a = new double[n * n];
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
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
                    rotateColumns(a, n, p, q, c, s);
                    rotateColumns(v, n, p, q, c, s);
                    for (int k = 0; k < n; k++) {
                        double apk = a[p * n + k];
                        double aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(a[y * n + y], a[x * n + x]));
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int j = 0; j < n; j++) {
            int from = order[j];
            values[j] = a[from * n + from];
            for (int i = 0; i < n; i++) {
                vectors[i * n + j] = v[i * n + from];
            }
        }
        return new Eigen(values, vectors);
    }

    /** Columns p and q of a row-major {@code [n, n]} matrix, rotated by (c, s). */
    private static void rotateColumns(double[] a, int n, int p, int q, double c, double s) {
        for (int k = 0; k < n; k++) {
            double akp = a[k * n + p];
            double akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }
    }

    /**
     * Eigenpairs of a symmetric matrix.
     *
     * @param values the eigenvalues, in descending order
     * @param vectors row-major {@code [n, n]}: column j is the unit eigenvector of {@code values[j]}
     */
    record Eigen(double[] values, double[] vectors) {}
}
