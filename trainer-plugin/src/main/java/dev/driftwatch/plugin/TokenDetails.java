package dev.driftwatch.plugin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.driftwatch.plugin.base.BaseDistribution;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import dev.driftwatch.plugin.probe.ProbeInput;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.contract.TopExample;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Per-token drift of the top drifting sequence examples, in words: one extra forward pass over those
 * few examples, then, on the JVM in double precision, the KL(base||ft) of every scored position (over
 * the full vocabulary, or over the same top-k-plus-tail bins as the measurement when the base is kept
 * as top-k) and, at the worst positions, the most likely tokens of the base and of the fine-tuned
 * model with both probabilities.
 */
final class TokenDetails {

    /** Worst positions described per example. */
    static final int WORST_POSITIONS = 3;
    /** Candidate tokens per side at a worst position. */
    static final int CHOICES = 5;

    private final ProbeSet probes;
    private final List<String> vocabulary;
    private final long[] tokenIds;
    private final float[] mask;
    private final long[] targets;

    TokenDetails(ProbeSet probes, List<String> vocabulary) {
        this.probes = probes;
        this.vocabulary = List.copyOf(vocabulary);
        this.tokenIds = ids(probes.inputs().get(0));
        this.mask = probes.mask();
        this.targets = probes.targets();
    }

    /**
     * Adds the token detail to each top example.
     *
     * @param top the top examples
     * @param groups the probe groups on the device
     * @param base the base distribution
     * @param logProbs log-probabilities {@code [b, T, V]} of the current model for a forward batch
     * @param manager the manager the temporaries' scope hangs from
     * @return the examples with their detail
     */
    List<TopExample> describe(List<TopExample> top, List<ProbeGroup> groups, BaseDistribution base,
            Function<ProbeChunk, NDArray> logProbs, NDManager manager) {
        if (top.isEmpty()) {
            return top;
        }
        int t = probes.positions();
        int v = base.classes();
        int[] index = new int[top.size()];
        for (int k = 0; k < top.size(); k++) {
            index[k] = probes.ids().indexOf(top.get(k).probeId());
        }
        List<TopExample> out = new ArrayList<>(top.size());
        try (NDManager scoped = manager.newSubManager()) {
            float[] lq = current(index, groups, logProbs, scoped);
            for (int k = 0; k < top.size(); k++) {
                int i = index[k];
                int c = groupOf(groups, i);
                int row = i - groups.get(c).offset();
                NDList kept = base.arrays(c);
                float[] lp = rowOf(kept.get(0), row, scoped);
                long[] topIndices = base.topK() == 0 ? null : longRowOf(kept.get(2), row, scoped);
                float[] lqRow = Arrays.copyOfRange(lq, k * t * v, (k + 1) * t * v);
                TopExample e = top.get(k);
                out.add(new TopExample(e.probeId(), e.slice(), e.metric(), e.value(),
                        describe(i, lp, topIndices, base.topK(), lqRow, v)));
            }
        }
        return out;
    }

    /** One example's detail from its base row (full or top-k bins) and current log-probabilities. */
    TokenDrift describe(int i, float[] lp, long[] topIndices, int k, float[] lq, int v) {
        int t = probes.positions();
        int last = -1;
        for (int p = 0; p < t; p++) {
            if (mask[i * t + p] != 0) {
                last = p;
            }
        }
        List<String> tokens = new ArrayList<>();
        List<Double> kl = new ArrayList<>();
        double[] klAt = new double[t];
        for (int p = 0; p <= last; p++) {
            tokens.add(token(tokenIds[i * t + p]));
            // token p is predicted by position p - 1
            kl.add(p > 0 && mask[i * t + p - 1] != 0 ? klAt[p - 1] = positionKl(lp, topIndices, k, lq, p - 1, v) : null);
        }
        // the token the last scored position predicts
        long next = last + 1 < t ? tokenIds[i * t + last + 1] : targets != null ? targets[i * t + last] : -1;
        tokens.add(next >= 0 ? token(next) : "…");
        kl.add(klAt[last] = positionKl(lp, topIndices, k, lq, last, v));
        Integer[] order = new Integer[last + 1];
        for (int p = 0; p <= last; p++) {
            order[p] = p;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score(b, i, klAt), score(a, i, klAt)));
        List<TokenDrift.Position> worst = new ArrayList<>();
        for (int w = 0; w < Math.min(WORST_POSITIONS, order.length); w++) {
            int p = order[w];
            if (mask[i * t + p] == 0) {
                break;
            }
            worst.add(new TokenDrift.Position(p + 1, klAt[p], choices(lp, topIndices, k, lq, p, v, true),
                    choices(lp, topIndices, k, lq, p, v, false)));
        }
        return new TokenDrift(tokens, kl, worst);
    }

    private double score(int p, int i, double[] klAt) {
        return mask[i * probes.positions() + p] != 0 ? klAt[p] : Double.NEGATIVE_INFINITY;
    }

    /** KL(base||ft) at one position, in double: over V classes, or over the k kept classes plus the tail. */
    static double positionKl(float[] lp, long[] topIndices, int k, float[] lq, int p, int v) {
        double sum = 0;
        if (topIndices == null) {
            for (int c = 0; c < v; c++) {
                double a = lp[p * v + c];
                sum += Math.exp(a) * (a - lq[p * v + c]);
            }
            return Math.max(0, sum);
        }
        double ftKept = 0;
        for (int b = 0; b < k; b++) {
            double a = lp[p * (k + 1) + b];
            double q = lq[p * v + (int) topIndices[p * k + b]];
            ftKept += Math.exp(q);
            sum += Math.exp(a) * (a - q);
        }
        double tail = lp[p * (k + 1) + k];
        double ftTail = Math.log(Math.max(1 - ftKept, 1e-30));
        sum += Math.exp(tail) * (tail - ftTail);
        return Math.max(0, sum);
    }

    /** The most likely tokens of one side at a position, each with its base and fine-tuned probability. */
    private List<TokenDrift.Choice> choices(float[] lp, long[] topIndices, int k, float[] lq, int p, int v,
            boolean baseSide) {
        int[] best;
        if (baseSide && topIndices != null) {
            best = new int[Math.min(CHOICES, k)];
            for (int b = 0; b < best.length; b++) {
                best[b] = (int) topIndices[p * k + b];
            }
        } else {
            best = largest(baseSide ? lp : lq, p * v, v, CHOICES);
        }
        List<TokenDrift.Choice> out = new ArrayList<>(best.length);
        for (int c : best) {
            out.add(new TokenDrift.Choice(token(c), baseProbability(lp, topIndices, k, p, v, c),
                    Math.exp(lq[p * v + c])));
        }
        return out;
    }

    private static double baseProbability(float[] lp, long[] topIndices, int k, int p, int v, int c) {
        if (topIndices == null) {
            return Math.exp(lp[p * v + c]);
        }
        for (int b = 0; b < k; b++) {
            if (topIndices[p * k + b] == c) {
                return Math.exp(lp[p * (k + 1) + b]);
            }
        }
        return Double.NaN;
    }

    /** Indices of the n largest values of {@code a[from, from + length)}, largest first. */
    static int[] largest(float[] a, int from, int length, int n) {
        int[] best = new int[Math.min(n, length)];
        Arrays.fill(best, -1);
        for (int c = 0; c < length; c++) {
            float x = a[from + c];
            if (best[best.length - 1] >= 0 && x <= a[from + best[best.length - 1]]) {
                continue;
            }
            int at = best.length - 1;
            while (at > 0 && (best[at - 1] < 0 || x > a[from + best[at - 1]])) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = c;
        }
        return best;
    }

    /** One forward pass over the top examples, their log-probabilities {@code [k * T * V]} on the JVM. */
    private float[] current(int[] index, List<ProbeGroup> groups, Function<ProbeChunk, NDArray> logProbs,
            NDManager scoped) {
        List<NDList> columns = new ArrayList<>();
        for (int i : index) {
            ProbeGroup g = groups.get(groupOf(groups, i));
            for (ProbeChunk b : g.batches()) {
                if (i >= b.offset() && i < b.offset() + b.size()) {
                    int r = i - b.offset();
                    for (int j = 0; j < b.inputs().size(); j++) {
                        if (columns.size() <= j) {
                            columns.add(new NDList());
                        }
                        NDArray part = b.inputs().get(j).get(r + ":" + (r + 1));
                        part.attach(scoped);
                        columns.get(j).add(part);
                    }
                }
            }
        }
        NDList inputs = new NDList();
        for (NDList column : columns) {
            inputs.add(column.size() == 1 ? column.get(0) : NDArrays.concat(column, 0));
        }
        NDArray lq = logProbs.apply(new ProbeChunk(0, index.length, inputs, null));
        return lq.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static int groupOf(List<ProbeGroup> groups, int i) {
        for (int c = 0; c < groups.size(); c++) {
            ProbeGroup g = groups.get(c);
            if (i >= g.offset() && i < g.offset() + g.size()) {
                return c;
            }
        }
        throw new IllegalArgumentException("probe example " + i + " is in no group");
    }

    private static float[] rowOf(NDArray a, int row, NDManager scoped) {
        NDArray r = a.get(row);
        r.attach(scoped);
        return r.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static long[] longRowOf(NDArray a, int row, NDManager scoped) {
        NDArray r = a.get(row);
        r.attach(scoped);
        return r.toType(DataType.INT64, false).toLongArray();
    }

    private String token(long id) {
        return id >= 0 && id < vocabulary.size() ? vocabulary.get((int) id) : "<" + id + ">";
    }

    /** The first input's values as token ids. */
    private static long[] ids(ProbeInput input) {
        ByteBuffer data = input.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int n = (int) (data.remaining() / input.dataType().getNumOfBytes());
        long[] out = new long[n];
        for (int j = 0; j < n; j++) {
            out[j] = switch (input.dataType()) {
                case INT64 -> data.getLong();
                case INT32 -> data.getInt();
                case FLOAT32 -> (long) data.getFloat();
                case FLOAT64 -> (long) data.getDouble();
                default -> throw new IllegalArgumentException("probe input " + input.name()
                        + " does not hold token ids: " + input.dataType());
            };
        }
        return out;
    }
}
