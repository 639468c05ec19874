package dev.driftwatch.plugin.report;

import java.util.List;

/**
 * Names and units of the distribution metrics (see docs/metrics.md for the formulas).
 *
 * <p>Per-example values are means over the example's scored positions, in nats per token (a
 * classifier has one position, so nats per example). For sequence models the {@code _seq} variants are
 * the sums over positions, in nats per sequence.
 */
public final class Metrics {

    /** KL(base || fine-tuned), nats/token: the forgetting direction and the headline metric. */
    public static final String KL_BASE_FT = "kl_base_ft";
    /** KL(fine-tuned || base), nats/token: the direction RL penalties use. */
    public static final String KL_FT_BASE = "kl_ft_base";
    /** Jensen-Shannon divergence, nats/token, at most ln 2. */
    public static final String JS = "js";
    /** Total variation distance, in [0, 1]. */
    public static final String TV = "tv";
    /** Fraction of positions where the base and fine-tuned argmax agree, in [0, 1]. */
    public static final String TOP1_AGREE = "top1_agree";
    /** Entropy of the base distribution, nats/token. */
    public static final String ENTROPY_BASE = "entropy_base";
    /** Entropy of the fine-tuned distribution, nats/token. */
    public static final String ENTROPY_FT = "entropy_ft";
    /** KL(base || fine-tuned) summed over a sequence's masked positions, nats/sequence. */
    public static final String KL_BASE_FT_SEQ = "kl_base_ft_seq";
    /** KL(fine-tuned || base) summed over a sequence's masked positions, nats/sequence. */
    public static final String KL_FT_BASE_SEQ = "kl_ft_base_seq";

    /** Task loss of the base on the probe targets, mean -log p(target) over scored positions, nats/token. */
    public static final String TASK_LOSS_BASE = "task_loss_base";
    /** Task loss of the fine-tuned model on the probe targets, nats/token. */
    public static final String TASK_LOSS_FT = "task_loss_ft";
    /** Forgetting: fine-tuned task loss minus base task loss, per example, nats/token (negative = learned). */
    public static final String FORGETTING = "forgetting";
    /** Fraction of scored positions where the base's argmax is the target. */
    public static final String ACCURACY_BASE = "accuracy_base";
    /** Fraction of scored positions where the fine-tuned model's argmax is the target. */
    public static final String ACCURACY_FT = "accuracy_ft";
    /** Accuracy drop: base accuracy minus fine-tuned accuracy, per example, in [-1, 1]. */
    public static final String ACCURACY_DROP = "accuracy_drop";

    /** The headline drift metric. */
    public static final String HEADLINE = KL_BASE_FT;

    /** Every per-position metric, in display order. */
    public static final List<String> PER_TOKEN =
            List.of(KL_BASE_FT, KL_FT_BASE, JS, TV, TOP1_AGREE, ENTROPY_BASE, ENTROPY_FT);

    /** Sequence-sum metrics, present only for sequence probes. */
    public static final List<String> PER_SEQUENCE = List.of(KL_BASE_FT_SEQ, KL_FT_BASE_SEQ);

    /** Task metrics, present only when the probes carry targets (labels or next tokens). */
    public static final List<String> PER_TARGET =
            List.of(TASK_LOSS_BASE, TASK_LOSS_FT, FORGETTING, ACCURACY_BASE, ACCURACY_FT, ACCURACY_DROP);

    /** Every metric name the wire format accepts. */
    public static final List<String> ALL =
            List.of(KL_BASE_FT, KL_FT_BASE, JS, TV, TOP1_AGREE, ENTROPY_BASE, ENTROPY_FT, KL_BASE_FT_SEQ,
                    KL_FT_BASE_SEQ, TASK_LOSS_BASE, TASK_LOSS_FT, FORGETTING, ACCURACY_BASE, ACCURACY_FT,
                    ACCURACY_DROP);

    private Metrics() {}

    /**
     * Returns the unit of a metric, as shown next to its values.
     *
     * @param metric a metric name from {@link #ALL}
     * @return the unit, e.g. {@code nats/token}
     */
    public static String unit(String metric) {
        return switch (metric) {
            case KL_BASE_FT, KL_FT_BASE, JS, ENTROPY_BASE, ENTROPY_FT, TASK_LOSS_BASE, TASK_LOSS_FT, FORGETTING ->
                "nats/token";
            case KL_BASE_FT_SEQ, KL_FT_BASE_SEQ -> "nats/sequence";
            case TV, TOP1_AGREE, ACCURACY_BASE, ACCURACY_FT, ACCURACY_DROP -> "fraction";
            default -> throw new IllegalArgumentException("unknown metric: " + metric);
        };
    }

    /**
     * Tells whether a metric is a divergence, so that it must be finite and non-negative.
     *
     * @param metric a metric name
     * @return true for KL, JS and their sequence sums
     */
    public static boolean isDivergence(String metric) {
        return metric.startsWith("kl_") || metric.equals(JS);
    }
}
