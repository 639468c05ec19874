package dev.driftwatch.plugin.probe;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the probe set of a causal language model from token ids: each example is a prompt and a
 * completion (the ids any tokenizer gives, e.g. DJL's {@code HuggingFaceTokenizer.encode(text).getIds()}),
 * and the model is scored on predicting the completion. This is the bookkeeping every user would otherwise
 * write by hand, and where an off-by-one silently measures the wrong thing:
 *
 * <ul>
 *   <li>the input is the first {@code T} tokens of {@code prompt + completion}, padded with the pad id;
 *   <li>position {@code p} predicts token {@code p + 1}: it is scored (mask 1) where that token is a
 *       completion token, including the token just past the input when the text is longer than {@code T}
 *       (the model's last position predicts it), and its target is that token;
 *   <li>prompt and padding positions are not scored (mask 0), so drift is measured on what the model was
 *       asked to say, not on the prompt it was given.
 * </ul>
 *
 * <pre>{@code
 * ProbeSet probes = LmProbes.builder(128)           // T, the model's input length
 *         .add("faq-1", "on-task", promptIds, answerIds)
 *         .add("wiki-7", "off-task/general", new long[] {bos}, textIds)
 *         .build();
 * }</pre>
 *
 * <p>The probe set has one input, {@code tokens} ({@code [T]} long ids per example), and, with
 * {@link Builder#optAttentionMask}, a second, {@code attention_mask} ({@code 1} for a real token, {@code 0}
 * for padding). Its targets are the next tokens, so forgetting and the task loss are measured too.
 */
public final class LmProbes {

    /** The name of the token input. */
    public static final String TOKENS = "tokens";
    /** The name of the optional attention-mask input. */
    public static final String ATTENTION_MASK = "attention_mask";

    private LmProbes() {}

    /**
     * Starts a builder.
     *
     * @param context {@code T}, the number of tokens the model takes per example, >= 2
     * @return the builder
     */
    public static Builder builder(int context) {
        if (context < 2) {
            throw new IllegalArgumentException("the context must be >= 2 tokens (a prompt token and one to predict);"
                    + " given " + context);
        }
        return new Builder(context);
    }

    /** Collects prompt/completion pairs; see {@link LmProbes}. */
    public static final class Builder {
        private final int context;
        private final List<String> ids = new ArrayList<>();
        private final List<String> slices = new ArrayList<>();
        private final List<long[]> prompts = new ArrayList<>();
        private final List<long[]> completions = new ArrayList<>();
        private long padId;
        private boolean attentionMask;

        private Builder(int context) {
            this.context = context;
        }

        /**
         * Adds an example.
         *
         * @param id the example's id, shown among the top drifting examples
         * @param slice its slice label (e.g. {@code on-task}, {@code off-task/general})
         * @param prompt the prompt's token ids, at least one (e.g. a beginning-of-sequence id)
         * @param completion the completion's token ids, at least one: what the model is scored on
         * @return this builder
         * @throws IllegalArgumentException when the prompt or completion is empty, has a negative id, or the
         *     prompt leaves no completion token within reach of the context
         */
        public Builder add(String id, String slice, long[] prompt, long[] completion) {
            String which = "example " + ids.size() + " (" + id + ")";
            if (prompt == null || prompt.length == 0) {
                throw new IllegalArgumentException(which + ": the prompt needs at least one token (the first token"
                        + " is never predicted: nothing comes before it); prepend a beginning-of-sequence id");
            }
            if (completion == null || completion.length == 0) {
                throw new IllegalArgumentException(which + ": the completion is empty: there is nothing to score");
            }
            if (prompt.length > context) {
                // the first completion token is predicted by position prompt.length - 1, which must be in the input
                throw new IllegalArgumentException(which + ": the prompt has " + prompt.length + " tokens, more than"
                        + " the context of " + context + ": no completion token would be scored");
            }
            checkIds(which + " prompt", prompt);
            checkIds(which + " completion", completion);
            ids.add(id);
            slices.add(slice);
            prompts.add(prompt.clone());
            completions.add(completion.clone());
            return this;
        }

        /**
         * Sets the id that pads examples shorter than the context (default 0). Padding is never scored.
         *
         * @param padId the padding token id, >= 0
         * @return this builder
         */
        public Builder optPadToken(long padId) {
            if (padId < 0) {
                throw new IllegalArgumentException("the pad id must be >= 0; given " + padId);
            }
            this.padId = padId;
            return this;
        }

        /**
         * Adds a second input, {@link #ATTENTION_MASK}: 1 where the input holds a real token, 0 where it is
         * padding (for models that take one, as Hugging Face's do).
         *
         * @return this builder
         */
        public Builder optAttentionMask() {
            this.attentionMask = true;
            return this;
        }

        /**
         * Builds the probe set.
         *
         * @return the probe set, with targets
         * @throws IllegalArgumentException when no example was added, or as {@link ProbeSet.Builder#build}
         */
        public ProbeSet build() {
            int n = ids.size();
            if (n == 0) {
                throw new IllegalArgumentException("no examples: add at least one prompt and completion");
            }
            int t = context;
            long[] tokens = new long[n * t];
            long[] attention = new long[n * t];
            float[] mask = new float[n * t];
            long[] targets = new long[n * t];
            for (int i = 0; i < n; i++) {
                long[] prompt = prompts.get(i);
                long[] completion = completions.get(i);
                int length = prompt.length + completion.length;
                for (int p = 0; p < t; p++) {
                    int at = i * t + p;
                    tokens[at] = p < length ? token(prompt, completion, p) : padId;
                    attention[at] = p < length ? 1 : 0;
                    // position p predicts token p + 1: scored when that token is a completion token
                    boolean scored = p + 1 >= prompt.length && p + 1 < length;
                    mask[at] = scored ? 1 : 0;
                    targets[at] = scored ? token(prompt, completion, p + 1) : padId;
                }
            }
            ProbeSet.Builder b = ProbeSet.builder().addInput(TOKENS, tokens, new Shape(t));
            if (attentionMask) {
                b.addInput(ATTENTION_MASK, attention, new Shape(t));
            }
            return b.optMask(mask, t).optIds(ids).optSlices(slices).optTargets(targets).build();
        }

        private static long token(long[] prompt, long[] completion, int at) {
            return at < prompt.length ? prompt[at] : completion[at - prompt.length];
        }

        private static void checkIds(String what, long[] tokens) {
            for (int k = 0; k < tokens.length; k++) {
                if (tokens[k] < 0) {
                    throw new IllegalArgumentException(what + " has a negative token id at " + k + ": " + tokens[k]);
                }
            }
        }
    }
}
