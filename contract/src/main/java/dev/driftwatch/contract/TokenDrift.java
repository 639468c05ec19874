package dev.driftwatch.contract;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per-token drift of one sequence probe example, for reading: its tokens, the KL(base||ft) of the
 * prediction of each token (from the tokens before it), and at the worst positions the tokens whose
 * probability moved most.
 *
 * @param tokens the example's tokens as text, in order (the model input, then the last target when known)
 * @param kl per token, KL(base||ft) in nats of the distribution that predicted it; null where the
 *     position is not scored (prompt, padding, the first token)
 * @param worst the worst positions by KL, worst first
 */
public record TokenDrift(List<String> tokens, List<Double> kl, List<Position> worst) {

    /** The most tokens one example's detail carries; the service refuses more. */
    public static final int MAX_TOKENS = 4096;
    /** The longest token text, in characters; the service refuses longer (and empty) ones. */
    public static final int MAX_TOKEN_LENGTH = 256;
    /** The most worst positions one example's detail carries. */
    public static final int MAX_WORST = 16;
    /** The most candidate tokens per side at a worst position. */
    public static final int MAX_CHOICES = 32;

    /**
     * Copies the lists; {@code kl} may hold nulls.
     *
     * @param tokens the example's tokens as text, in order
     * @param kl per token, KL(base||ft) in nats, or null where not scored
     * @param worst the worst positions by KL, worst first
     */
    public TokenDrift {
        tokens = List.copyOf(tokens);
        kl = Collections.unmodifiableList(new ArrayList<>(kl));
        worst = List.copyOf(worst);
        if (tokens.size() != kl.size()) {
            throw new IllegalArgumentException(tokens.size() + " tokens but " + kl.size() + " KL values");
        }
    }

    /**
     * One scored position: the tokens the base and the fine-tuned model found most likely there.
     *
     * @param index the index in {@link #tokens} of the token that position predicts
     * @param kl KL(base||ft) at the position, nats
     * @param base the base's most likely tokens, most likely first, each with both probabilities
     * @param fineTuned the fine-tuned model's most likely tokens, most likely first
     */
    public record Position(int index, double kl, List<Choice> base, List<Choice> fineTuned) {
        /**
         * Copies the lists.
         *
         * @param index the index in {@link #tokens} of the token that position predicts
         * @param kl KL(base||ft) at the position, nats
         * @param base the base's most likely tokens, most likely first
         * @param fineTuned the fine-tuned model's most likely tokens, most likely first
         */
        public Position {
            base = List.copyOf(base);
            fineTuned = List.copyOf(fineTuned);
        }
    }

    /**
     * A candidate token with its probability under the base and under the fine-tuned model.
     *
     * @param token the token's text
     * @param base its base probability; NaN when the base was kept as top-k and it is not among them
     * @param fineTuned its fine-tuned probability
     */
    public record Choice(String token, double base, double fineTuned) {}
}
