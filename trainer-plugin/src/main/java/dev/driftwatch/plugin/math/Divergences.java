package dev.driftwatch.plugin.math;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.driftwatch.contract.Metric;
import java.util.List;

/**
 * Per-position divergences between a base distribution P and a current distribution Q, computed
 * with NDArray operations in log space over the last axis (the classes or the vocabulary).
 *
 * <p>Inputs are log-probabilities (from {@code logSoftmax}) of shape {@code [..., V]}; every result has
 * the leading shape {@code [...]}. All callers must run inside a scoped sub-manager: the results
 * belong to the manager of the first operand.
 *
 * <p>Jensen–Shannon uses {@code log m = lq + softplus(lp - lq) - ln 2}, so it never takes the log of an
 * underflowed mixture and is exactly 0 when P = Q.
 *
 * <p>Temporaries over the last axis are closed as soon as they have served, not left to the caller's
 * scope: PyTorch's CPU arrays come straight from the C allocator, which hands freed memory to the next
 * temporary of its size, while many arrays freed together when a scope closes can go back to the
 * operating system and come back as fresh pages, faulted in one by one. (On this project's 2-core
 * virtual machine, a chain of seven operations over {@code 2 x 32,000} float64 values took 8x as long
 * with all seven temporaries alive until the end as with four.)
 */
public final class Divergences {

    /** Column of {@code KL(P||Q)} in {@link #binned}'s result. */
    public static final int KL_PQ = 0;
    /** Column of {@code KL(Q||P)}. */
    public static final int KL_QP = 1;
    /** Column of the Jensen–Shannon divergence. */
    public static final int JS = 2;
    /** Column of the total variation distance. */
    public static final int TV = 3;
    /** Number of columns {@link #binned} returns. */
    public static final int BINNED_COLUMNS = 4;

    /**
     * The metrics of a per-example row, in column order, as {@link #perExample} (first tensor) and
     * {@link HostDivergences#perExample} return them: the binned columns, top-1 agreement, entropy of Q.
     */
    public static final List<Metric> ROW =
            List.of(Metric.KL_BASE_FT, Metric.KL_FT_BASE, Metric.JS, Metric.TV, Metric.TOP1_AGREE, Metric.ENTROPY_FT);
    /** The per-sequence sums appended to a row for sequence probes, in column order. */
    public static final List<Metric> SEQUENCE_SUMS = List.of(Metric.KL_BASE_FT_SEQ, Metric.KL_FT_BASE_SEQ);

    /** ln 2 as a double: a float constant (0.6931472) would put a 2e-8 error into every float64 JS. */
    private static final double LN2 = Math.log(2);

    private Divergences() {}

    /**
     * Computes KL(P||Q), KL(Q||P), JS and TV over the bins of the last axis.
     *
     * @param lp log P, shape {@code [..., V]}
     * @param p P (= exp(lp)), passed in so callers can reuse it
     * @param lq log Q, same shape
     * @param q Q (= exp(lq))
     * @return shape {@code [..., 4]}: columns {@link #KL_PQ}, {@link #KL_QP}, {@link #JS}, {@link #TV}
     */
    public static NDArray binned(NDArray lp, NDArray p, NDArray lq, NDArray q) {
        // Every pass over [..., V] costs as much as the next (a 32k vocabulary makes them dominate),
        // so intermediates are shared.
        NDArray d = lp.sub(lq);
        NDArray klPq = dot(p, d);
        NDArray klQp = dot(q, d).neg();
        NDArray tv = p.sub(q).abs().sum(new int[] {-1}).mul(0.5);
        // JS = 1/2 sum [ p (ln2 - softplus(-d)) + q (ln2 - softplus(d)) ]
        //    = 1/2 sum [ (p + q) c - min(p, q) |d| ]   with c = ln2 - softplus(-|d|),
        // since p relu(-d) + q relu(d) = min(p, q) |d|; c is exactly 0 where d is 0.
        NDArray a = d.abs();
        NDArray negC = Activation.softPlus(a.neg()).sub(LN2);
        NDArray js = dot(p.add(q), negC).add(dot(p.minimum(q), a)).mul(-0.5);
        return NDArrays.stack(new NDList(klPq, klQp, js, tv), klPq.getShape().dimension());
    }

    /**
     * Top-1 agreement: whether the base's top class is a top class of Q (on a tie, any of the tied
     * classes agrees). A gather against the row maximum, which callers usually have already.
     *
     * @param lq log Q (or Q's logits: the same order), shape {@code [..., V]}
     * @param baseArgmax the base's top class per position, shape {@code [...]}
     * @param max the maximum of {@code lq} over the last axis, shape {@code [..., 1]}
     * @return booleans, shape {@code [...]}
     */
    public static NDArray topAgrees(NDArray lq, NDArray baseArgmax, NDArray max) {
        return lq.gather(baseArgmax.expandDims(-1), -1).gte(max).squeeze(-1);
    }

    /**
     * Entropy {@code -sum p log p} over the last axis.
     *
     * @param lp log P
     * @param p P
     * @return shape {@code [...]}
     */
    public static NDArray entropy(NDArray lp, NDArray p) {
        return dot(p, lp).neg();
    }

    /**
     * Computes KL(P||Q), KL(Q||P), and the row sums JS and TV are made of, of two full distributions in
     * float64, in fewer passes over the last axis than {@link #binned}, and with one transcendental pass (a
     * log) where {@link #binned} has a softplus: each pass over a 32k vocabulary costs as much as the matrix
     * product that made the logits, so this form is for the full vocabulary, {@link #binned} for a few bins.
     *
     * <p>With {@code d = lp - lq} and {@code m = p + q}: {@code KL(P||Q) = sum p d}, {@code KL(Q||P) =
     * -sum q d}, and, since {@code sum p lp + sum q lq = sum m lp + KL(Q||P)},
     * {@code JS = ln 2 + 1/2 [KL(Q||P) + sum m (lp - log m)]}; {@code TV = 1 - sum min(p, q)}. Where P and Q
     * have the same log-probabilities, d is exactly 0 and so are both KLs, whatever Q's bits. JS and TV
     * cancel terms of order 1 (an error near 1e-16 in float64, where the divergences are meant to be
     * accurate to 1e-8): {@link #finish} brings them into the bounds they obey exactly, which makes them
     * exactly 0 where the KLs are. {@code m} is kept at least {@code floor} (the smallest double), so that
     * classes where both P and Q underflow add 0 instead of {@code 0 * inf}.
     *
     * <p>The last steps of JS and TV (a scale and a shift per row) are left to {@link #finish}, which runs
     * once over all rows: callers compute a few rows at a time to stay in cache, and DJL wraps every
     * number an operation takes in an array of its own (a direct buffer, tens of microseconds each).
     *
     * @param lp log P, shape {@code [..., V]}, float64
     * @param p P (= exp(lp))
     * @param lq log Q, same shape
     * @param q Q (= exp(lq), or the equal {@code e / sum e})
     * @param floor a float64 scalar array holding {@link Double#MIN_VALUE} (see {@link #minimumFloor})
     * @return shape {@code [..., 4]}: KL(P||Q), KL(Q||P), {@code KL(Q||P) + sum m (lp - log m)} and
     *     {@code sum min(p, q)}; pass it through {@link #finish} once the rows are together
     */
    public static NDArray full(NDArray lp, NDArray p, NDArray lq, NDArray q, NDArray floor) {
        // Each temporary is closed as soon as it has served (see the class comment).
        NDArray klPq;
        NDArray klQp;
        try (NDArray d = lp.sub(lq)) {
            klPq = dot(p, d);
            klQp = dot(q, d).neg();
        }
        NDArray m;
        try (NDArray sum = p.add(q)) {
            m = sum.maximum(floor);
        }
        NDArray jsSum;
        try (m; NDArray lpOverM = m.log()) {
            lpOverM.negi().addi(lp); // lp - log m, bit for bit (negation is exact, addition commutes)
            jsSum = klQp.add(dot(m, lpOverM));
        }
        NDArray overlap;
        try (NDArray min = p.minimum(q)) {
            overlap = min.sum(new int[] {-1});
        }
        return NDArrays.stack(new NDList(klPq, klQp, jsSum, overlap), klPq.getShape().dimension());
    }

    /**
     * The scalar array {@link #full} keeps the mixture above, made once per comparison.
     *
     * @param manager the manager that will own it
     * @param device the device of the arrays it will meet
     * @return a float64 scalar array holding {@link Double#MIN_VALUE}, in memory PyTorch owns
     */
    public static NDArray minimumFloor(NDManager manager, Device device) {
        // (a copy: DJL's array of a number lives in a Java direct buffer, freed whenever the JVM collects it)
        try (NDArray wrapped = manager.create(Double.MIN_VALUE)) {
            return wrapped.toDevice(device, true);
        }
    }

    /**
     * Turns {@link #full}'s row sums into JS ({@code ln 2 + sum / 2}) and TV ({@code 1 - overlap}), then brings
     * JS and TV into the bounds they obey exactly: {@code 0 <= JS <= (KL(P||Q) + KL(Q||P)) / 4} (KL is convex
     * in its second argument, and M is the midpoint of P and Q) and {@code 0 <= TV <= min(1, sqrt(KL(P||Q) /
     * 2))} (Pinsker). A value within its bounds is left as it is; outside them, only rounding can have put it.
     *
     * @param sums shape {@code [..., C]} with {@code C >= 4}, the columns of {@link #full} first
     * @return the same shape: KL(P||Q), KL(Q||P), JS, TV, then the columns from 4 on unchanged
     */
    public static NDArray finish(NDArray sums) {
        NDArray klPq = sums.get("..., " + KL_PQ);
        NDArray klQp = sums.get("..., " + KL_QP);
        NDArray js = sums.get("..., " + JS).mul(0.5).add(LN2).minimum(klPq.add(klQp).mul(0.25)).maximum(0);
        NDArray tv = sums.get("..., " + TV).neg().add(1).minimum(klPq.maximum(0).mul(0.5).sqrt().minimum(1))
                .maximum(0);
        int axis = klPq.getShape().dimension();
        NDArray head = NDArrays.stack(new NDList(klPq, klQp, js, tv), axis);
        long columns = sums.getShape().get(axis);
        return columns == BINNED_COLUMNS ? head : head.concat(sums.get("..., " + BINNED_COLUMNS + ":"), -1);
    }

    /**
     * {@code sum(x * y)} over the last axis.
     *
     * @param x shape {@code [..., V]}
     * @param y same shape and data type
     * @return shape {@code [...]}
     */
    public static NDArray dot(NDArray x, NDArray y) {
        try (NDArray product = x.mul(y)) {
            return product.sum(new int[] {-1});
        }
    }

    /**
     * The maximum over the last axis, kept as a trailing axis of size 1; the same values as
     * {@code x.max(new int[] {-1}, true)}. That reduction (PyTorch's {@code max(dim)}) also tracks where
     * the maximum is, one value at a time: 0.6-1.2 ns per value on the development machine, where one
     * whole-row maximum per row took 0.3-0.4 ns per value on rows of 32,000. So rows of at least
     * {@link #ROW_BY_ROW_MAX} values (a language model's vocabulary) are reduced one at a time; shorter
     * ones, where the calls would cost more than they save, at once.
     *
     * @param x shape {@code [..., V]}
     * @return shape {@code [..., 1]}, the data type of {@code x}
     */
    public static NDArray rowMax(NDArray x) {
        Shape shape = x.getShape();
        int last = shape.dimension() - 1;
        long rows = shape.size() / Math.max(1, shape.get(last));
        if (last < 1 || shape.get(last) < ROW_BY_ROW_MAX || rows > MAX_ROWS_ONE_BY_ONE) {
            return x.max(new int[] {-1}, true);
        }
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager(); NDArray flat = x.reshape(rows, shape.get(last))) {
            NDList maxima = new NDList();
            for (long r = 0; r < rows; r++) {
                NDArray row = flat.get(r);
                row.attach(scope);
                NDArray m = row.max();
                m.attach(scope);
                maxima.add(m);
            }
            NDArray out = NDArrays.stack(maxima).reshape(shape.slice(0, last).add(1));
            out.attach(owner);
            return out;
        }
    }

    /** Row length from which {@link #rowMax} reduces row by row. */
    static final long ROW_BY_ROW_MAX = 16_384;
    /** At most this many rows are reduced one at a time (a few calls each); more go at once. */
    private static final long MAX_ROWS_ONE_BY_ONE = 4096;

    /**
     * {@code log sum exp(x)} over the last axis, kept as a trailing axis of size 1; in the data type of
     * {@code x} (pass float64 for a normaliser accurate to float64).
     *
     * @param x values, shape {@code [..., V]}, finite
     * @return shape {@code [..., 1]}
     */
    public static NDArray logSumExp(NDArray x) {
        NDArray max = rowMax(x);
        return x.sub(max).exp().sum(new int[] {-1}, true).log().add(max);
    }

    /**
     * The logits with every {@code -Inf} (a class the model rules out: a masked or padded vocabulary entry)
     * raised to the least float32, {@code -Float.MAX_VALUE} ({@code torch.finfo(torch.float32).min}, the
     * value masking code commonly uses instead). Every path computes with it exactly as with probability 0:
     * {@code exp} of it less any normaliser is 0 in float64, and a class both sides rule out has
     * {@code lp - lq} = 0, so it adds nothing (where {@code -Inf} would add {@code 0 * (-Inf + Inf)} = NaN). A
     * class only one side rules out makes the KL towards that side {@code p * 3.4e38}: finite and of order
     * 1e30 or more, where the true KL is infinite. NaN and {@code +Inf} are left as they are.
     *
     * @param logits float32 logits, any shape
     * @return a new array: the logits, {@code -Inf} raised
     */
    public static NDArray raiseMasked(NDArray logits) {
        return logits.maximum(LEAST_LOGIT);
    }

    /**
     * {@link #raiseMasked(NDArray)} of logits on the JVM, in place.
     *
     * @param logits float32 logits, any layout
     */
    public static void raiseMasked(float[] logits) {
        for (int k = 0; k < logits.length; k++) {
            if (logits[k] == Float.NEGATIVE_INFINITY) {
                logits[k] = LEAST_LOGIT;
            }
        }
    }

    /** What {@link #raiseMasked} raises {@code -Inf} to: the least float32. */
    private static final float LEAST_LOGIT = -Float.MAX_VALUE;

    /**
     * Reduces per-position values to per-example means over the scored positions.
     *
     * @param perPosition shape {@code [b, T, M]}
     * @param mask {@code [b, T]} with 1 for scored positions, or null when all T positions count
     * @return {@code [b, M]} means and {@code [b, M]} sums, in that order
     */
    public static NDList perExample(NDArray perPosition, NDArray mask) {
        if (mask == null) {
            NDArray sums = perPosition.sum(new int[] {1});
            return new NDList(sums.div(perPosition.getShape().get(1)), sums);
        }
        NDArray m = mask.toType(perPosition.getDataType(), false);
        NDArray sums = perPosition.mul(m.expandDims(-1)).sum(new int[] {1});
        return new NDList(sums.div(m.sum(new int[] {1}, true)), sums);
    }
}
