package dev.driftwatch.plugin.math;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The exact comparison of full distributions ({@link Divergences#full} and the current model's normaliser,
 * entropy and top-1 agreement) computed on the JVM with the JDK's vector API, in float64, in four passes over
 * each row of float32 logits: the row maximum; {@code exp(x - max)} and its sum; every sum but one at once; the
 * mixture's logarithm. For a sketched base, the current model's part: the maximum, the exponentials and two
 * sums of them ({@link #exponentials(float[], int, double, double[], double[])}). PyTorch's operations make two
 * dozen passes over the vocabulary for the same numbers, each through memory; here the float64 exponentials and
 * logarithms run four (or eight) at a time and nothing but one row of exponentials is stored.
 *
 * <p>Only loaded when the JVM runs with {@code --add-modules jdk.incubator.vector}: {@link JvmVectors} loads it by
 * name; nothing else refers to it. The API is an incubating one; this class uses only the parts that
 * JDK 17 to 25 have in common (arrays, not buffers or memory segments).
 *
 * <p>The formulas are {@link Divergences#full}'s, with {@code lp = y / tau - lse(P)} and {@code lq = x / tau -
 * lse(Q)} for the base's logits {@code y} and the current ones {@code x}. A row whose logits are the base's, bit
 * for bit, gets the base's normaliser, so its divergences are exactly 0, as on the other paths.
 */
final class VectorDivergences implements JvmVectors.RowComparison {

    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** As many float lanes as {@link #DOUBLES} has: a float vector of half the width, widened to doubles. */
    private static final VectorSpecies<Float> FLOATS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));

    /** Made by {@link JvmVectors}, by name. */
    VectorDivergences() {}

    @Override
    public int lanes() {
        return DOUBLES.length();
    }

    @Override
    public double compareRow(float[] base, double baseLse, int baseArgmax, float[] current, int classes,
            double temperature, double[] out, int at, double[] scratch) {
        return compare(base, baseLse, baseArgmax, current, classes, temperature, out, at, scratch);
    }

    @Override
    public void exponentials(float[] current, int classes, double temperature, double[] e, double[] out) {
        float max = rowMax(current, classes);
        out[0] = max;
        if (!(max < Float.POSITIVE_INFINITY)) {
            return;
        }
        double inverse = 1.0 / temperature;
        double shift = max * inverse;
        out[1] = exponentials(current, classes, inverse, shift, e);
        out[2] = moment(current, classes, inverse, shift, e);
    }

    /**
     * Compares one row of current logits with the base's.
     *
     * @param base the base's float32 logits of the row, from index 0
     * @param baseLse the base's log-normaliser {@code log sum exp(y / tau)}
     * @param baseArgmax the base's top class
     * @param current the current float32 logits of the row, from index 0
     * @param classes V
     * @param temperature tau
     * @param out receives {@link JvmVectors#COLUMNS} values from {@code at}: KL(P||Q), KL(Q||P),
     *     {@code KL(Q||P) + sum m (lp - log m)}, {@code sum min(p, q)} (as {@link Divergences#full}), top-1
     *     agreement (1 or 0), H(Q), 0
     * @param at where in {@code out}
     * @param scratch at least {@code classes} doubles
     * @return the current log-normaliser
     */
    static double compare(float[] base, double baseLse, int baseArgmax, float[] current, int classes,
            double temperature, double[] out, int at, double[] scratch) {
        double inverse = 1.0 / temperature;
        float max = rowMax(current, classes); // float32, as the other paths
        if (!(max < Float.POSITIVE_INFINITY)) { // a NaN or +Inf logit: no number of this row means anything
            Arrays.fill(out, at, at + JvmVectors.COLUMNS, Double.NaN);
            return Double.NaN;
        }
        double shift = max * inverse;
        double sum = exponentials(current, classes, inverse, shift, scratch);
        boolean same = Arrays.equals(current, 0, classes, base, 0, classes);
        double lseQ = same ? baseLse : shift + Math.log(sum);
        double[] sums = new double[SUMS];
        sums(base, current, classes, inverse, baseLse, lseQ, scratch, sum, sums);
        double mixture = mixture(base, classes, inverse, baseLse, scratch);
        out[at] = sums[KL_PQ];
        out[at + 1] = -sums[Q_D];
        out[at + 2] = -sums[Q_D] + mixture;
        out[at + 3] = sums[OVERLAP];
        // as Divergences.topAgrees: the base's top class is a top class of Q (on the float32 logits)
        out[at + 4] = current[baseArgmax] >= max ? 1 : 0;
        out[at + 5] = -sums[Q_LQ];
        out[at + 6] = 0;
        return lseQ;
    }

    // Each pass is a method of its own, with at most one of exp and log in its loop: the vector API's operations
    // are calls that the JIT must inline all the way down, and one loop with both (two dozen operations more)
    // went past its inlining budget, where every vector became an object (25 ns a logit instead of 1).

    /** The maximum of a row. */
    private static float rowMax(float[] x, int classes) {
        int v = 0;
        int bound = FLOATS.loopBound(classes);
        FloatVector maxima = FloatVector.broadcast(FLOATS, x[0]);
        for (; v < bound; v += FLOATS.length()) {
            maxima = maxima.max(FloatVector.fromArray(FLOATS, x, v));
        }
        float max = maxima.reduceLanes(VectorOperators.MAX);
        for (; v < classes; v++) {
            max = Math.max(max, x[v]);
        }
        return max;
    }

    /** Pass 2: {@code e = exp(x / tau - shift)} of a row into {@code e}, and their sum. */
    private static double exponentials(float[] x, int classes, double inverse, double shift, double[] e) {
        int v = 0;
        int bound = FLOATS.loopBound(classes);
        DoubleVector sums = DoubleVector.zero(DOUBLES);
        for (; v < bound; v += FLOATS.length()) {
            DoubleVector ev = exp(widened(x, v).mul(inverse).sub(shift));
            ev.intoArray(e, v);
            sums = sums.add(ev);
        }
        double sum = inOrder(sums);
        for (; v < classes; v++) {
            e[v] = Math.exp(x[v] * inverse - shift);
            sum += e[v];
        }
        return sum;
    }

    /** {@code sum e (x / tau - shift)} of a row, with {@code e} from {@link #exponentials}. */
    private static double moment(float[] x, int classes, double inverse, double shift, double[] e) {
        int v = 0;
        int bound = FLOATS.loopBound(classes);
        DoubleVector sums = DoubleVector.zero(DOUBLES);
        for (; v < bound; v += FLOATS.length()) {
            sums = DoubleVector.fromArray(DOUBLES, e, v).fma(widened(x, v).mul(inverse).sub(shift), sums);
        }
        double sum = inOrder(sums);
        for (; v < classes; v++) {
            sum += e[v] * (x[v] * inverse - shift);
        }
        return sum;
    }

    private static final int KL_PQ = 0;
    private static final int Q_D = 1;
    private static final int OVERLAP = 2;
    private static final int Q_LQ = 3;
    private static final int SUMS = 4;

    /**
     * Pass 3: with {@code lp}, {@code lq}, {@code d = lp - lq}, {@code p = exp(lp)} and {@code q = e / sum}, the sums
     * of {@code p d}, {@code q d}, {@code min(p, q)} and {@code q lq} into {@code sums}; {@code e} is overwritten with
     * the mixture {@code m = p + q}, kept at least the smallest normal double (where both underflow, its term in
     * {@link #mixture} is ~0 then, not NaN).
     */
    private static void sums(float[] base, float[] x, int classes, double inverse, double lseP, double lseQ,
            double[] e, double sum, double[] sums) {
        int v = 0;
        int bound = FLOATS.loopBound(classes);
        DoubleVector pd = DoubleVector.zero(DOUBLES);
        DoubleVector qd = pd;
        DoubleVector overlap = pd;
        DoubleVector qlq = pd;
        for (; v < bound; v += FLOATS.length()) {
            DoubleVector lq = widened(x, v).mul(inverse).sub(lseQ);
            DoubleVector lp = widened(base, v).mul(inverse).sub(lseP);
            DoubleVector q = DoubleVector.fromArray(DOUBLES, e, v).div(sum);
            DoubleVector p = exp(lp);
            DoubleVector d = lp.sub(lq);
            pd = p.fma(d, pd);
            qd = q.fma(d, qd);
            overlap = overlap.add(p.min(q));
            qlq = q.fma(lq, qlq);
            p.add(q).max(Double.MIN_NORMAL).intoArray(e, v);
        }
        sums[KL_PQ] = inOrder(pd);
        sums[Q_D] = inOrder(qd);
        sums[OVERLAP] = inOrder(overlap);
        sums[Q_LQ] = inOrder(qlq);
        for (; v < classes; v++) {
            double lq = x[v] * inverse - lseQ;
            double lp = base[v] * inverse - lseP;
            double q = e[v] / sum;
            double p = Math.exp(lp);
            double d = lp - lq;
            sums[KL_PQ] += p * d;
            sums[Q_D] += q * d;
            sums[OVERLAP] += Math.min(p, q);
            sums[Q_LQ] += q * lq;
            e[v] = Math.max(p + q, Double.MIN_NORMAL);
        }
    }

    /** Pass 4: {@code sum m (lp - log m)} of a row, with {@code m} from {@link #sums}. */
    private static double mixture(float[] base, int classes, double inverse, double lseP, double[] m) {
        int v = 0;
        int bound = FLOATS.loopBound(classes);
        DoubleVector mixture = DoubleVector.zero(DOUBLES);
        for (; v < bound; v += FLOATS.length()) {
            DoubleVector lp = widened(base, v).mul(inverse).sub(lseP);
            DoubleVector mv = DoubleVector.fromArray(DOUBLES, m, v);
            mixture = mv.fma(lp.sub(log(mv)), mixture);
        }
        double sum = inOrder(mixture);
        for (; v < classes; v++) {
            sum += m[v] * (base[v] * inverse - lseP - Math.log(m[v]));
        }
        return sum;
    }

    private static final double LOG2_E = 0x1.71547652b82fep0;
    /** ln 2 in two parts: {@code k * LN2_HIGH} is exact for the k that {@link #exp} and {@link #log} meet. */
    private static final double LN2_HIGH = 0x1.62e42fefa3800p-1;
    private static final double LN2_LOW = 0x1.ef35793c76730p-45;
    /** 1.5 * 2^52: adding it rounds a double of magnitude below 2^51 to an integer, kept in the low bits. */
    private static final double ROUNDING = 0x1.8p52;
    /** Below this, {@link #exp} is 0 (e^-708 is near the least normal double; no sum here notices less). */
    private static final double EXP_UNDERFLOW = -708;
    /** 1 / k! for k = 0..12: the Taylor series of e^r, |r| <= ln(2) / 2, to within 2e-16 of itself. */
    private static final double[] EXP_SERIES = new double[13];
    /** 2 / (2k + 1) for k = 0..11: 2 atanh(s) = sum 2 s^(2k+1) / (2k + 1), |s| <= 0.172 (k = 0 unused). */
    private static final double[] LOG_SERIES = new double[12];

    static {
        double factorial = 1;
        for (int k = 0; k < EXP_SERIES.length; k++) {
            factorial *= Math.max(1, k);
            EXP_SERIES[k] = 1 / factorial;
        }
        for (int k = 0; k < LOG_SERIES.length; k++) {
            LOG_SERIES[k] = 2.0 / (2 * k + 1);
        }
    }

    /**
     * e^x to within 2 ulp, for {@code x <= 0} (0 below -708), NaN-free inputs. Written in the vector API's
     * basic operations (fused multiply-adds and bit shifts), not its {@code EXP}: that one is a different
     * function once compiled (Intel's short-vector library) than when interpreted ({@link Math#exp}), so the
     * same logits would not give the same bits from one checkpoint to the next. Here every operation is
     * exactly rounded, compiled or not. e^x = 2^k e^r with k = round(x / ln 2), r = x - k ln 2.
     */
    static DoubleVector exp(DoubleVector x) {
        DoubleVector rounded = x.fma(DoubleVector.broadcast(DOUBLES, LOG2_E), DoubleVector.broadcast(DOUBLES, ROUNDING));
        DoubleVector k = rounded.sub(ROUNDING);
        DoubleVector r = k.fma(DoubleVector.broadcast(DOUBLES, -LN2_HIGH), x);
        r = k.fma(DoubleVector.broadcast(DOUBLES, -LN2_LOW), r);
        DoubleVector series = DoubleVector.broadcast(DOUBLES, EXP_SERIES[EXP_SERIES.length - 1]);
        for (int i = EXP_SERIES.length - 2; i >= 0; i--) {
            series = series.fma(r, DoubleVector.broadcast(DOUBLES, EXP_SERIES[i]));
        }
        // 2^k: k (two's complement, in the low bits of the rounded value) shifted into the exponent's bits
        LongVector twoToK = rounded.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 52);
        DoubleVector y = series.reinterpretAsLongs().add(twoToK).reinterpretAsDoubles();
        return y.blend(0.0, x.compare(VectorOperators.LT, EXP_UNDERFLOW));
    }

    /**
     * log x to within 2 ulp, for normal positive x (the reasons of {@link #exp}). x = 2^e (1 + r) with 1 + r in
     * [sqrt(1/2), sqrt(2)) (r exact), log(1 + r) = 2 atanh(s) with s = r / (2 + r), summed as
     * {@code r - (r^2/2 - s (r^2/2 + R))}, {@code R = sum 2 s^(2k) / (2k + 1)} (k >= 1), which keeps the rounding
     * of s out of the leading term (as fdlibm does).
     */
    static DoubleVector log(DoubleVector x) {
        LongVector bits = x.reinterpretAsLongs();
        DoubleVector f = bits.and(0x000F_FFFF_FFFF_FFFFL).or(0x3FF0_0000_0000_0000L).reinterpretAsDoubles();
        // the biased exponent as a double: its bits put in a double's mantissa, less that double's value at 0
        DoubleVector e = bits.lanewise(VectorOperators.LSHR, 52).or(0x4330_0000_0000_0000L).reinterpretAsDoubles()
                .sub(0x1p52 + 1023);
        VectorMask<Double> high = f.compare(VectorOperators.GT, SQRT2);
        f = f.blend(f.mul(0.5), high);
        e = e.blend(e.add(1), high);
        DoubleVector r = f.sub(1); // exact (Sterbenz)
        DoubleVector s = r.div(r.add(2));
        DoubleVector z = s.mul(s);
        DoubleVector series = DoubleVector.broadcast(DOUBLES, LOG_SERIES[LOG_SERIES.length - 1]);
        for (int i = LOG_SERIES.length - 2; i >= 1; i--) {
            series = series.fma(z, DoubleVector.broadcast(DOUBLES, LOG_SERIES[i]));
        }
        DoubleVector big = series.mul(z); // R
        DoubleVector halfSquare = r.mul(r).mul(0.5);
        DoubleVector logF = r.sub(halfSquare.sub(s.mul(halfSquare.add(big))));
        return e.fma(DoubleVector.broadcast(DOUBLES, LN2_HIGH), e.fma(DoubleVector.broadcast(DOUBLES, LN2_LOW), logF));
    }

    private static final double SQRT2 = Math.sqrt(2);

    /**
     * The sum of a vector's lanes, lane by lane in order: the vector API's own reduction may add them in another
     * order once compiled than when interpreted, and the same logits must give the same bits.
     */
    private static double inOrder(DoubleVector v) {
        double sum = 0;
        for (int lane = 0; lane < DOUBLES.length(); lane++) {
            sum += v.lane(lane);
        }
        return sum;
    }

    /** {@link #FLOATS}' lanes of {@code a} from {@code at}, widened to doubles (exactly). */
    private static DoubleVector widened(float[] a, int at) {
        return (DoubleVector) FloatVector.fromArray(FLOATS, a, at).convertShape(VectorOperators.F2D, DOUBLES, 0);
    }
}
