package dev.driftwatch.plugin.math;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The comparison with the base on the JVM's vector unit, where the JVM offers one: with
 * {@code --add-modules jdk.incubator.vector} among its options (JDK 17 or newer) and a vector unit of at least
 * two doubles. On the CPU it does the float64 work of PyTorch's two dozen passes over a language model's
 * vocabulary in three or four, several times faster (see docs/benchmarks.md), for an exact base and for the
 * current model's pass of a sketched one; its numbers are the same to rounding. {@code -Ddriftwatch.vectorApi=false}
 * turns it off.
 */
public final class JvmVectors {

    private static final Logger logger = LoggerFactory.getLogger(JvmVectors.class);
    /** The system property that turns the vector path off ({@code false}); on by default where it can run. */
    public static final String PROPERTY = "driftwatch.vectorApi";
    /** The JVM option that makes the vector API available. */
    public static final String OPTION = "--add-modules jdk.incubator.vector";
    /** Values per row of {@link #compareRow}'s output: {@link Divergences#full}'s four, top-1, H(Q), a 0. */
    public static final int COLUMNS = Divergences.BINNED_COLUMNS + 3;

    /** The comparison on the vector unit, or null where it cannot run. */
    private static final RowComparison KERNEL = load();
    private static final int LANES = KERNEL == null ? 0 : KERNEL.lanes();

    private JvmVectors() {}

    /**
     * What the class written against the vector API offers. It is loaded by name, so that nothing else refers to
     * an incubating module's types: without the module, nothing loads it (and the API documentation, which is
     * built without incubating modules, leaves it out).
     */
    interface RowComparison {
        /** How many doubles a vector holds. */
        int lanes();

        /** See {@link JvmVectors#compareRow}. */
        double compareRow(float[] base, double baseLse, int baseArgmax, float[] current, int classes,
                double temperature, double[] out, int at, double[] scratch);

        /** See {@link JvmVectors#exponentials}. */
        void exponentials(float[] current, int classes, double temperature, double[] e, double[] out);
    }

    private static RowComparison load() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").strip())
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (RowComparison) Class.forName(JvmVectors.class.getPackageName() + ".VectorDivergences")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) { // an API this JDK lacks
            logger.warn("driftwatch: the JDK's vector API cannot be used here ({}); exact comparisons use PyTorch",
                    e.toString());
            return null;
        }
    }

    /**
     * Tells whether {@link #compareRow} can run here.
     *
     * @return true with the vector module and a vector unit of at least two doubles
     */
    public static boolean available() {
        return LANES >= 2;
    }

    /**
     * Says how the exact comparisons run on the CPU, for the log.
     *
     * @return one sentence
     */
    public static String describe() {
        if (available()) {
            return String.format(Locale.ROOT, "comparisons with the base on the CPU use the JDK's vector API (%d"
                    + " doubles at a time)", LANES);
        }
        return "comparisons with the base on the CPU use PyTorch's operations; add " + OPTION + " to the JVM's"
                + " options (or JDK_JAVA_OPTIONS=--add-modules=jdk.incubator.vector to the environment) to make them"
                + " several times cheaper";
    }

    /**
     * Compares one row of current float32 logits with the base's: see {@link Divergences#full} for the columns.
     * Callers check {@link #available()} first.
     *
     * @param base the base's float32 logits of the row, from index 0
     * @param baseLse the base's log-normaliser {@code log sum exp(y / tau)}
     * @param baseArgmax the base's top class
     * @param current the current float32 logits of the row, from index 0
     * @param classes V
     * @param temperature tau
     * @param out receives {@link #COLUMNS} values from {@code at}: KL(P||Q), KL(Q||P),
     *     {@code KL(Q||P) + sum m (lp - log m)}, {@code sum min(p, q)} (to be finished by {@link Divergences#finish}),
     *     top-1 agreement (1 or 0), H(Q), 0; NaN where the row has a NaN or +Inf logit
     * @param at where in {@code out}
     * @param scratch at least {@code classes} doubles
     * @return the current log-normaliser {@code log sum exp(x / tau)}
     * @throws IllegalStateException when the vector path is not available
     */
    public static double compareRow(float[] base, double baseLse, int baseArgmax, float[] current, int classes,
            double temperature, double[] out, int at, double[] scratch) {
        return kernel().compareRow(base, baseLse, baseArgmax, current, classes, temperature, out, at, scratch);
    }

    /**
     * What a sketched base's comparison needs from the current model's full distribution of one row: its maximum,
     * {@code e = exp(x / tau - max / tau)} and two sums of them, in float64, on the vector unit. Callers check
     * {@link #available()} first.
     *
     * @param current the current float32 logits of the row, from index 0
     * @param classes V
     * @param temperature tau
     * @param e receives the {@code classes} exponentials
     * @param out receives the row maximum (float32 logits, not divided by tau; NaN or +Inf where the row has such
     *     a logit, and then nothing else is written), {@code S = sum e} and {@code sum e (x / tau - max / tau)}
     * @throws IllegalStateException when the vector path is not available
     */
    public static void exponentials(float[] current, int classes, double temperature, double[] e, double[] out) {
        kernel().exponentials(current, classes, temperature, e, out);
    }

    private static RowComparison kernel() {
        if (!available()) {
            throw new IllegalStateException("the JDK's vector API is not available: " + describe());
        }
        return KERNEL;
    }
}
