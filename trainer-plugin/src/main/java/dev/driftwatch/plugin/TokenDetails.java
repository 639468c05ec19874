package dev.driftwatch.plugin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.plugin.base.BaseDistribution;
import dev.driftwatch.plugin.base.LogitRows;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import dev.driftwatch.plugin.probe.ProbeInput;
import dev.driftwatch.plugin.probe.ProbeSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Per-token drift of the top drifting sequence examples, in words: one extra forward pass over those
 * few examples; the KL(base||ft) of every scored position comes from the same computation as the
 * measurement ({@link BaseDistribution#perPositionOfRows}: exact, top-k bins, or top-k plus the sampled
 * tail), so the per-token values average to the example's ranked value. At the worst positions, the
 * most likely tokens of the base (from its kept logits and float64 normalisers) and of the fine-tuned
 * model, each with both probabilities, are read on the JVM in double precision.
 */
final class TokenDetails {

    /** Worst positions described per example. */
    static final int WORST_POSITIONS = 3;
    /** Candidate tokens per side at a worst position. */
    static final int CHOICES = 5;
    /** The most top examples given their detail (the first, most drifting ones). */
    static final int MAX_DETAILED_EXAMPLES = 32;
    /** Once the details so far take this much JSON, the following examples go without. */
    static final long MAX_DETAIL_BYTES = 4L << 20;

    private final ProbeSet probes;
    private final List<String> vocabulary;
    private final long[] tokenIds;
    private final float[] mask;
    private final long[] targets;

    TokenDetails(ProbeSet probes, List<String> vocabulary) {
        this.probes = probes;
        this.vocabulary = vocabulary.stream().map(TokenDetails::printable).toList();
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
     * @param logits float32 logits {@code [b, T, V]} of the current model for a forward batch
     * @param manager the manager the temporaries' scope hangs from
     * @return the examples with their detail
     */
    List<TopExample> describe(List<TopExample> top, List<ProbeGroup> groups, BaseDistribution base,
            Function<ProbeChunk, NDArray> logits, NDManager manager) {
        if (top.isEmpty()) {
            return top;
        }
        int detailed = Math.min(top.size(), MAX_DETAILED_EXAMPLES);
        int t = probes.positions();
        List<TopExample> out = new ArrayList<>(top.size());
        long bytes = 0;
        for (int k = 0; k < detailed && bytes < MAX_DETAIL_BYTES; k++) {
            // one example at a time: its logits [1, T, V] are the largest array alive (a long context over a
            // large vocabulary is hundreds of MB), and only its worst positions' rows are copied to the JVM
            try (NDManager scoped = manager.newSubManager()) {
                int i = probes.ids().indexOf(top.get(k).probeId());
                int c = groupOf(groups, i);
                int row = i - groups.get(c).offset();
                NDArray mine = current(i, groups, logits, scoped);
                int v = (int) mine.getShape().get(2);
                double[] columns = base.perPositionOfRows(c, mine, row, row + 1, scoped).toDoubleArray();
                double[] kl = new double[t];
                for (int p = 0; p < t; p++) {
                    kl[p] = Math.max(0, columns[p * BaseDistribution.COLUMNS + BaseDistribution.KL_BASE_FT]);
                }
                int[] worst = worstPositions(i, kl);
                float[] worstRows = new float[worst.length * v];
                for (int w = 0; w < worst.length; w++) {
                    try (NDArray r = mine.get("0," + worst[w])) {
                        System.arraycopy(r.toFloatArray(), 0, worstRows, w * v, v);
                    }
                }
                LogitRows baseRows = base.logitRows(c, row);
                LogitRows ftRows = LogitRows.of(worstRows, v, base.temperature());
                TopExample e = top.get(k);
                TokenDrift d = describe(i, kl, worst, baseRows, ftRows);
                bytes += jsonBytes(d);
                out.add(new TopExample(e.probeId(), e.slice(), e.metric(), e.value(), d));
            }
        }
        // the rest go without detail: a checkpoint stays well within the service's body limit (16 MB by default)
        out.addAll(top.subList(out.size(), top.size()));
        return out;
    }

    /** At most an upper bound of the UTF-8 JSON a detail takes: 3 bytes a character, 26 a number. */
    private static long jsonBytes(TokenDrift d) {
        long b = 0;
        for (String token : d.tokens()) {
            b += 3L * token.length() + 3;
        }
        b += 26L * d.kl().size();
        for (TokenDrift.Position w : d.worst()) {
            for (List<TokenDrift.Choice> side : List.of(w.base(), w.fineTuned())) {
                for (TokenDrift.Choice c : side) {
                    b += 3L * c.token().length() + 80;
                }
            }
        }
        return b;
    }

    /** An example's worst scored positions, at most {@link #WORST_POSITIONS}, by KL(base||ft), largest first. */
    private int[] worstPositions(int i, double[] klAt) {
        int t = probes.positions();
        Integer[] order = new Integer[t];
        for (int p = 0; p < t; p++) {
            order[p] = p;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score(b, i, klAt), score(a, i, klAt)));
        int n = 0;
        while (n < Math.min(WORST_POSITIONS, t) && mask[i * t + order[n]] != 0) {
            n++;
        }
        int[] out = new int[n];
        for (int w = 0; w < n; w++) {
            out[w] = order[w];
        }
        return out;
    }

    /**
     * One example's detail from its per-position KL and both sides' distributions: the base's rows by position,
     * the current model's rows those of {@code worst}, in order.
     */
    private TokenDrift describe(int i, double[] klAt, int[] worstAt, LogitRows baseRows, LogitRows ftRows) {
        int t = probes.positions();
        int last = -1;
        for (int p = 0; p < t; p++) {
            if (mask[i * t + p] != 0) {
                last = p;
            }
        }
        List<String> tokens = new ArrayList<>();
        List<Double> kl = new ArrayList<>();
        for (int p = 0; p <= last; p++) {
            tokens.add(token(tokenIds[i * t + p]));
            // token p is predicted by position p - 1
            kl.add(p > 0 && mask[i * t + p - 1] != 0 ? klAt[p - 1] : null);
        }
        // the token the last scored position predicts
        long next = last + 1 < t ? tokenIds[i * t + last + 1] : targets != null ? targets[i * t + last] : -1;
        tokens.add(next >= 0 ? token(next) : "…");
        kl.add(klAt[last]);
        List<TokenDrift.Position> worst = new ArrayList<>();
        for (int w = 0; w < worstAt.length; w++) {
            int p = worstAt[w];
            worst.add(new TokenDrift.Position(p + 1, klAt[p], choices(true, baseRows, p, ftRows, w),
                    choices(false, baseRows, p, ftRows, w)));
        }
        return window(tokens, kl, worst);
    }

    /**
     * The detail as the service takes it: at most {@link TokenDrift#MAX_TOKENS} tokens. A longer sequence
     * (a context of more than 4096 tokens) is shown as the window of that many around its worst position,
     * with {@code …} in place of the first and last token where the text goes on beyond it; the worst
     * positions outside the window are left out, those inside are renumbered.
     */
    static TokenDrift window(List<String> tokens, List<Double> kl, List<TokenDrift.Position> worst) {
        int n = tokens.size();
        int max = TokenDrift.MAX_TOKENS;
        if (n <= max) {
            return new TokenDrift(tokens, kl, worst);
        }
        int center = worst.isEmpty() ? n - 1 : worst.get(0).index();
        int start = Math.max(0, Math.min(center - max / 2, n - max));
        int end = start + max;
        List<String> t = new ArrayList<>(tokens.subList(start, end));
        List<Double> k = new ArrayList<>(kl.subList(start, end));
        int first = 0;
        int last = max - 1;
        if (start > 0) {
            t.set(first, "…");
            k.set(first, null);
        } else {
            first = -1;
        }
        if (end < n) {
            t.set(last, "…");
            k.set(last, null);
        } else {
            last = max;
        }
        List<TokenDrift.Position> kept = new ArrayList<>();
        for (TokenDrift.Position w : worst) {
            int at = w.index() - start;
            if (at > first && at < last) {
                kept.add(new TokenDrift.Position(at, w.kl(), w.base(), w.fineTuned()));
            }
        }
        return new TokenDrift(t, k, kept);
    }

    private double score(int p, int i, double[] klAt) {
        return mask[i * probes.positions() + p] != 0 ? klAt[p] : Double.NEGATIVE_INFINITY;
    }

    /**
     * The most likely tokens of one side at a position, each with its base probability (NaN when the
     * base kept only its top k and the token is not among them) and its fine-tuned probability: the base's
     * row of position {@code p}, the current model's row {@code w} (its w-th worst position, which is p).
     */
    private List<TokenDrift.Choice> choices(boolean baseSide, LogitRows baseRows, int p, LogitRows ftRows, int w) {
        List<TokenDrift.Choice> out = new ArrayList<>(CHOICES);
        for (int c : baseSide ? baseRows.mostLikely(p, CHOICES) : ftRows.mostLikely(w, CHOICES)) {
            out.add(new TokenDrift.Choice(token(c), Math.exp(baseRows.logProbability(p, c)),
                    Math.exp(ftRows.logProbability(w, c))));
        }
        return out;
    }

    /** One forward pass over probe example {@code i}: its float32 logits {@code [1, T, V]}, attached to the scope. */
    private static NDArray current(int i, List<ProbeGroup> groups, Function<ProbeChunk, NDArray> logits,
            NDManager scoped) {
        ProbeGroup g = groups.get(groupOf(groups, i));
        NDList inputs = new NDList();
        for (ProbeChunk b : g.batches()) {
            if (i >= b.offset() && i < b.offset() + b.size()) {
                int r = i - b.offset();
                for (NDArray input : b.inputs()) {
                    NDArray part = input.get(r + ":" + (r + 1));
                    part.attach(scoped);
                    inputs.add(part);
                }
            }
        }
        NDArray out = logits.apply(new ProbeChunk(0, 1, inputs, null)).toType(DataType.FLOAT32, false);
        out.attach(scoped);
        return out;
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

    /**
     * A token's text as the service stores and a page shows it: C0 control characters other than tab,
     * line feed and carriage return, and DEL, become their Unicode control pictures (U+0008 -> U+2408),
     * C1 control characters are written {@code <0x85>}, a lone surrogate becomes U+FFFD, an empty text is
     * shown as U+2205, and a text longer than {@link TokenDrift#MAX_TOKEN_LENGTH} is cut, ending in
     * {@code …}. Real vocabularies hold such tokens (the fortunes corpus uses backspace overstrikes; decoded
     * special tokens can be empty), and the service refuses a record that carries them as they are.
     *
     * @param token the vocabulary's text
     * @return the text to send
     */
    static String printable(String token) {
        if (token.isEmpty()) {
            return "\u2205"; // the empty set sign: the service takes no empty token text
        }
        String shown = controlsShown(token);
        if (shown.length() > TokenDrift.MAX_TOKEN_LENGTH) {
            // cut to the service's limit, not inside a surrogate pair, and say so
            int cut = TokenDrift.MAX_TOKEN_LENGTH - 1;
            if (Character.isHighSurrogate(shown.charAt(cut - 1))) {
                cut--;
            }
            shown = shown.substring(0, cut) + "…";
        }
        return shown;
    }

    /** {@link #printable} of the characters: the control characters shown, lone surrogates replaced. */
    private static String controlsShown(String token) {
        StringBuilder b = null;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            char out = c;
            String escaped = null;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                out = (char) (0x2400 + c);
            } else if (c == 0x7f) {
                out = '\u2421';
            } else if (c >= 0x80 && c <= 0x9f) {
                // C1 controls have no pictures: written as the byte-fallback tokens of many vocabularies write them
                escaped = String.format(java.util.Locale.ROOT, "<0x%02X>", (int) c);
            } else if (Character.isHighSurrogate(c) && i + 1 < token.length()
                    && Character.isLowSurrogate(token.charAt(i + 1))) {
                if (b != null) {
                    b.append(c).append(token.charAt(i + 1));
                }
                i++;
                continue;
            } else if (Character.isSurrogate(c)) {
                out = '\ufffd';
            }
            if ((out != c || escaped != null) && b == null) {
                b = new StringBuilder(token.length()).append(token, 0, i);
            }
            if (b != null) {
                b.append(escaped != null ? escaped : String.valueOf(out));
            }
        }
        return b == null ? token : b.toString();
    }

    private String token(long id) {
        return id >= 0 && id < vocabulary.size() ? vocabulary.get((int) id) : "<" + id + ">";
    }

    /** The first input's values as token ids. */
    private static long[] ids(ProbeInput input) {
        ByteBuffer data = input.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
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
