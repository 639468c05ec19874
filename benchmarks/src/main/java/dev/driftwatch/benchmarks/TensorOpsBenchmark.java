package dev.driftwatch.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.driftwatch.plugin.math.HostDivergences;
import dev.driftwatch.plugin.math.JvmVectors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the PyTorch operations the listener's exact comparison is made of cost per value, on the blocks it uses
 * (2 rows of a 32,000-token vocabulary in float64: 512 KiB, one core's cache), against a float64 addition of the
 * same blocks; and the floor the exact comparison cannot go below, its three transcendental passes per logit
 * (the exponentials of the base's and the current log-probabilities, the logarithm of their mixture for
 * Jensen-Shannon), against the forward of the {@code listener} benchmark's bare 32k head per logit (a product
 * 256 wide), which is what that benchmark's lm-head rows divide by; and, where the JVM has the vector module, the
 * whole exact comparison on its vector unit ({@code JvmVectors}) per logit against the same forward. Run with one
 * PyTorch thread ({@code -Dai.djl.pytorch.num_threads=1}), as the listener benchmark is.
 */
final class TensorOpsBenchmark implements Benchmark {

    private static final int VOCABULARY = 32_000;
    /** Rows per block of the exact comparison ({@code BaseDistribution.BLOCK_ELEMENTS} / 32,000). */
    private static final int BLOCK_ROWS = 2;
    /** Positions per forward of the listener benchmark's lm-head case (16 sequences of 16). */
    private static final int FORWARD_ROWS = 256;
    private static final int WIDTH = 256;

    @Override
    public String name() {
        return "tensor-ops";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        int reps = quick ? 3 : 7;
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            NDArray logits = m.randomNormal(new Shape(BLOCK_ROWS, VOCABULARY)).mul(3);
            NDArray x = logits.toType(DataType.FLOAT64, false);
            NDArray y = x.add(0.01);
            NDArray positive = x.exp();
            NDArray other = y.exp();
            int[] last = {-1};
            Map<String, Supplier<NDArray>> ops = new LinkedHashMap<>();
            ops.put("add", () -> x.add(y));
            ops.put("float64 exp", x::exp);
            ops.put("float64 log", positive::log);
            ops.put("float64 xlogy", () -> positive.xlogy(other));
            ops.put("float64 log_softmax", () -> x.logSoftmax(-1));
            ops.put("float64 row dot (mul, then sum)", () -> {
                try (NDArray product = x.mul(y)) {
                    return product.sum(last);
                }
            });
            ops.put("float64 row dot (batched matMul)", () -> {
                try (NDArray rows = x.reshape(BLOCK_ROWS, 1, VOCABULARY);
                        NDArray columns = y.reshape(BLOCK_ROWS, VOCABULARY, 1)) {
                    return rows.matMul(columns);
                }
            });
            ops.put("float32 row maximum", () -> logits.max(last, true));
            long values = (long) BLOCK_ROWS * VOCABULARY;
            int calls = quick ? 200 : 1000;
            Map<String, Double> perValue = new LinkedHashMap<>();
            for (int r = 0; r < reps; r++) {
                for (Map.Entry<String, Supplier<NDArray>> op : ops.entrySet()) {
                    double ns = timePerCall(op.getValue(), calls) / values;
                    perValue.merge(op.getKey(), ns, Math::min);
                }
            }
            // the bare head's forward, per logit: [256, 256] x [256, 32000] in float32, plus the bias
            NDArray hidden = m.randomNormal(new Shape(FORWARD_ROWS, WIDTH));
            NDArray weight = m.randomNormal(new Shape(WIDTH, VOCABULARY)).mul(0.06);
            NDArray bias = m.randomNormal(new Shape(VOCABULARY));
            double forward = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                forward = Math.min(forward, timePerCall(() -> {
                    try (NDArray product = hidden.matMul(weight)) {
                        return product.add(bias);
                    }
                }, quick ? 5 : 20) / ((long) FORWARD_ROWS * VOCABULARY));
            }
            double add = perValue.get("add");
            List<Result> results = new ArrayList<>();
            for (Map.Entry<String, Double> e : perValue.entrySet()) {
                if (!e.getKey().equals("add")) {
                    results.add(new Result(name(), e.getKey() + ", per value of a [2 x 32000] block vs float64 add",
                            e.getValue(), "ns", add, e.getValue() / add, "", null));
                }
            }
            double floor = 2 * perValue.get("float64 exp") + perValue.get("float64 log");
            System.err.printf(java.util.Locale.ROOT, "  add %.3f ns per value; two exp + one log %.3f ns per logit;"
                    + " the bare head's forward %.3f ns per logit%n", add, floor, forward);
            results.add(new Result(name(), "the exact comparison's transcendental passes (2 exp + 1 log) per logit vs"
                    + " the bare 32k head's forward per logit", floor, "ns", forward, floor / forward, "<= 0.25x",
                    floor / forward <= 0.25));
            if (JvmVectors.available()) { // java --add-modules jdk.incubator.vector
                double whole = jvmVectorsPerLogit(logits.toFloatArray(), logits.add(0.01f).toFloatArray(), reps,
                        quick ? 200 : 1000);
                System.err.printf(java.util.Locale.ROOT, "  the whole exact comparison on the JVM's vector unit %.3f ns"
                        + " per logit%n", whole);
                results.add(new Result(name(), "the whole exact comparison on the JVM's vector unit per logit vs the"
                        + " bare 32k head's forward per logit", whole, "ns", forward, whole / forward, "", null));
            }
            return results;
        }
    }

    /**
     * The best time per logit of {@link JvmVectors#compareRow} over the rows of a block (every metric of the exact
     * comparison; the row copies the listener makes from PyTorch's memory left out).
     */
    private static double jvmVectorsPerLogit(float[] base, float[] current, int reps, int calls) {
        int rows = base.length / VOCABULARY;
        double[] lse = HostDivergences.logNormalizers(base, VOCABULARY, 1.0);
        float[] rowOfBase = new float[VOCABULARY];
        float[] rowOfCurrent = new float[VOCABULARY];
        double[] scratch = new double[VOCABULARY];
        double[] out = new double[JvmVectors.COLUMNS];
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < reps; rep++) {
            long t0 = System.nanoTime();
            for (int call = 0; call < calls; call++) {
                int r = call % rows;
                System.arraycopy(base, r * VOCABULARY, rowOfBase, 0, VOCABULARY);
                System.arraycopy(current, r * VOCABULARY, rowOfCurrent, 0, VOCABULARY);
                JvmVectors.compareRow(rowOfBase, lse[r], 0, rowOfCurrent, VOCABULARY, 1.0, out, 0, scratch);
            }
            best = Math.min(best, (System.nanoTime() - t0) / ((double) calls * VOCABULARY));
        }
        return best;
    }

    /** The best time of one call in nanoseconds, over {@code calls} calls whose results are closed at once. */
    private static double timePerCall(Supplier<NDArray> op, int calls) {
        try (NDArray warm = op.get()) {
            warm.getShape();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            try (NDArray out = op.get()) {
                out.getShape();
            }
        }
        return (System.nanoTime() - t0) / (double) calls;
    }
}
