package dev.driftwatch.plugin.math;

/**
 * A second JVM for {@link JvmVectorsTest}: says whether the vector path is available there, how the listener would
 * log it, and what comparing a row does.
 */
public final class VectorModuleMain {

    private VectorModuleMain() {}

    /**
     * Prints {@code available=<bool>}, the description, and the outcome of one row's comparison.
     *
     * @param args none
     */
    public static void main(String[] args) {
        System.out.println("available=" + JvmVectors.available());
        System.out.println(JvmVectors.describe());
        float[] row = {1f, 2f, 3f, 4f, 5f};
        double[] out = new double[JvmVectors.COLUMNS];
        try {
            double lse = JvmVectors.compareRow(row, Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4)
                    + Math.exp(5)), 4, row.clone(), row.length, 1.0, out, 0, new double[row.length]);
            System.out.println("compared: lse=" + lse + " kl=" + out[0]);
        } catch (IllegalStateException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
