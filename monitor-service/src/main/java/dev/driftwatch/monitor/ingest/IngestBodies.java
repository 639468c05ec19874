package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.monitor.edge.PgLimits;
import dev.driftwatch.monitor.ingest.IngestConstraints.CheckpointRules;
import dev.driftwatch.monitor.ingest.IngestConstraints.MetricName;
import dev.driftwatch.monitor.ingest.IngestConstraints.MetricRanges;
import dev.driftwatch.monitor.ingest.IngestConstraints.Named;
import dev.driftwatch.monitor.ingest.IngestConstraints.OneOf;
import dev.driftwatch.monitor.ingest.IngestConstraints.OrderedSummary;
import dev.driftwatch.monitor.ingest.IngestConstraints.ParameterCounts;
import dev.driftwatch.monitor.ingest.IngestConstraints.PlannedSteps;
import dev.driftwatch.monitor.ingest.IngestConstraints.Probability;
import dev.driftwatch.monitor.ingest.IngestConstraints.SameRunKey;
import dev.driftwatch.monitor.ingest.IngestConstraints.StorableTime;
import dev.driftwatch.monitor.ingest.IngestConstraints.TokenRules;
import dev.driftwatch.monitor.ingest.IngestConstraints.TrainableWithinTotal;
import dev.driftwatch.monitor.ingest.IngestConstraints.UniqueNames;
import dev.driftwatch.monitor.ingest.IngestConstraints.Vocabulary;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;
import org.hibernate.validator.constraints.Range;

/**
 * The ingestion bodies of docs/api/ingestion.md as Jackson binds them, with every rule of the contract
 * as a Bean Validation constraint: built-in ones for presence, lengths, ranges and patterns,
 * {@link IngestConstraints} for the contract's own rules. Components are named like the JSON fields, so
 * a violation's property path is the field's path. Every component is a reference type: a field that is
 * absent, JSON null or of the wrong JSON type is null here ({@link BodyBinder} reports the wrong type),
 * and the defaults of the contract are applied when {@link PayloadParser} builds the wire records.
 */
final class IngestBodies {

    static final String REQUIRED = "is required";
    static final String OBJECT = "must be an object";
    static final String INTEGER_IN = "must be an integer in [{min}, {max}]";
    static final String INTEGER_FROM = "must be an integer >= {value}";
    static final String LENGTH = "must have {min} to {max} characters";
    static final String NON_NEGATIVE = "must be a finite number >= 0";
    static final String POSITIVE = "must be a finite number > 0";
    static final String AT_MOST_ENTRIES = "must have at most {max} entries";
    static final String METRIC_COUNT = "must have at most {max} metrics";
    static final String APPROXIMATION = "exact|topk\\([1-9][0-9]{0,8}\\)(\\+tail\\([1-9][0-9]{0,8}\\))?";
    static final int MAX_INT = Integer.MAX_VALUE;
    /** The most metrics one summary map may carry, known and unknown together. */
    static final int MAX_METRICS = 64;
    static final int MAX_TOKENS = TokenDrift.MAX_TOKENS;
    static final int MAX_TOKEN_LENGTH = TokenDrift.MAX_TOKEN_LENGTH;
    static final int MAX_WORST = TokenDrift.MAX_WORST;
    static final int MAX_CHOICES = TokenDrift.MAX_CHOICES;

    private IngestBodies() {}

    /**
     * The body of {@code PUT /runs/{runKey}}.
     *
     * @param runKey optional, equal to the path's
     * @param name the display name
     * @param method how the model is fine-tuned
     * @param tags up to 32 labels
     * @param baseFingerprint SHA-256 of the base model
     * @param probeFingerprint SHA-256 of the probe set
     * @param totalParameters all parameters
     * @param trainableParameters the trained ones
     * @param temperature the softmax temperature, default 1
     * @param config free-form settings
     * @param startedAt RFC 3339, default the time of receipt
     */
    @TrainableWithinTotal
    @PlannedSteps
    record RunBody(
            @SameRunKey String runKey,
            @NotNull(message = REQUIRED) @Size(min = 1, max = RunInfo.MAX_NAME_LENGTH, message = LENGTH)
                    @Pattern(regexp = "(?s)|.*\\S.*", message = NAME) String name,
            @NotNull(message = REQUIRED) @Size(min = 1, max = 16, message = LENGTH) @OneOf(Vocabulary.METHOD)
                    String method,
            @Size(max = RunInfo.MAX_TAGS, message = AT_MOST_ENTRIES) List<@NotNull(message = TAG) @Size(min = 1,
                    max = RunInfo.MAX_TAG_LENGTH, message = TAG) String> tags,
            @NotNull(message = REQUIRED) @Pattern(regexp = "[0-9a-f]{64}", message = FINGERPRINT) String baseFingerprint,
            @NotNull(message = REQUIRED) @Pattern(regexp = "[0-9a-f]{64}", message = FINGERPRINT) String probeFingerprint,
            @NotNull(message = REQUIRED) @Min(value = 1, message = INTEGER_FROM) Long totalParameters,
            @NotNull(message = REQUIRED) @Min(value = 0, message = INTEGER_FROM) Long trainableParameters,
            @DecimalMin(value = "0", inclusive = false, message = POSITIVE) Double temperature,
            @Size(max = RunInfo.MAX_CONFIG_ENTRIES, message = AT_MOST_ENTRIES) Map<@Size(min = 1,
                    max = RunInfo.MAX_CONFIG_KEY_LENGTH, message = CONFIG_NAME) String, @NotNull(message = CONFIG_VALUE)
                    @Size(max = RunInfo.MAX_CONFIG_VALUE_LENGTH, message = CONFIG_VALUE) String> config,
            @Size(min = 1, max = 64, message = LENGTH) @StorableTime String startedAt) implements ParameterCounts {

        static final String TAG = "must be a string of 1 to 64 characters";
        /** (an empty name has {@link #LENGTH}'s message alone) */
        static final String NAME = "must not be all white space";
        static final String FINGERPRINT = "must be 64 lower-case hex characters (SHA-256)";
        static final String CONFIG_NAME = "name must have 1 to 128 characters";
        static final String CONFIG_VALUE = "must be a string of at most 4096 characters";
    }

    /**
     * The body of {@code POST /runs/{runKey}/finish}.
     *
     * @param runKey optional, equal to the path's
     * @param status how the run ended
     * @param endedAt RFC 3339, default the time of receipt
     */
    record RunEndBody(
            @SameRunKey String runKey,
            @NotNull(message = REQUIRED) @Size(min = 1, max = 16, message = LENGTH) @OneOf(Vocabulary.END_STATUS)
                    String status,
            @Size(min = 1, max = 64, message = LENGTH) @StorableTime String endedAt) {}

    /**
     * The body of {@code POST /runs/{runKey}/checkpoints}.
     *
     * @param checkpoints at least one (the most is a 422, {@link IngestProperties#maxCheckpoints()})
     */
    record BatchBody(
            @NotNull(message = REQUIRED) @Size(min = 1, message = "must contain at least one checkpoint")
                    List<@NotNull(message = OBJECT) @Valid CheckpointBody> checkpoints) {}

    /**
     * One checkpoint of a batch ({@link dev.driftwatch.contract.CheckpointReport}).
     *
     * @param runKey optional, equal to the path's
     * @param step the global training step
     * @param epoch default 0
     * @param time RFC 3339, default the time of receipt
     * @param valid default true
     * @param invalidReason required when not valid
     * @param approximation default {@code exact}
     * @param temperature default the run's
     * @param probeCount examples measured, at least 1 when valid
     * @param metrics summaries by metric name, the headline required when valid
     * @param slices the same per probe slice
     * @param topExamples the examples that drifted most
     * @param parameters parameter drift, optional
     * @param taskMetrics the trainer's own metrics
     */
    @CheckpointRules
    record CheckpointBody(
            @SameRunKey String runKey,
            @NotNull(message = REQUIRED) @Range(min = 0, max = PgLimits.MAX_STEP, message = INTEGER_IN) Long step,
            @Range(min = 0, max = MAX_INT, message = INTEGER_IN) Long epoch,
            @Size(min = 1, max = 64, message = LENGTH) @StorableTime String time,
            Boolean valid,
            @Size(min = 1, max = 1000, message = LENGTH) String invalidReason,
            @Size(min = 1, max = 32, message = LENGTH)
                    @Pattern(regexp = APPROXIMATION, message = "must be exact, topk(k) or topk(k)+tail(m)")
                    String approximation,
            @DecimalMin(value = "0", inclusive = false, message = POSITIVE) Double temperature,
            @NotNull(message = REQUIRED) @Range(min = 0, max = MAX_INT, message = INTEGER_IN) Long probeCount,
            @Size(max = MAX_METRICS, message = METRIC_COUNT) @MetricRanges
                    Map<@MetricName String, @NotNull(message = OBJECT) @Valid SummaryBody> metrics,
            @UniqueNames(property = "slice") List<@NotNull(message = OBJECT) @Valid SliceBody> slices,
            List<@NotNull(message = OBJECT) @Valid TopExampleBody> topExamples,
            @Valid ParametersBody parameters,
            @Size(max = CheckpointReport.MAX_TASK_METRICS, message = AT_MOST_ENTRIES)
            Map<@Size(min = 1, max = CheckpointReport.MAX_TASK_METRIC_NAME,
                    message = "name must have 1 to " + CheckpointReport.MAX_TASK_METRIC_NAME + " characters") String,
                    @NotNull(message = "must be a finite number") Double> taskMetrics) {

        /** @return whether the checkpoint is valid (the default) */
        boolean isValid() {
            return valid == null || valid;
        }
    }

    /**
     * One metric's summary ({@link dev.driftwatch.contract.MetricSummary}).
     *
     * @param count examples aggregated
     * @param mean the mean
     * @param p50 the median
     * @param p90 the 90th percentile
     * @param p99 the 99th percentile
     * @param max the largest value
     * @param ciLow the interval's lower bound
     * @param ciHigh the interval's upper bound
     * @param tailIndex optional diagnostic
     * @param samplingStdError optional diagnostic
     */
    @OrderedSummary
    record SummaryBody(
            @NotNull(message = REQUIRED) @Range(min = 1, max = MAX_INT, message = INTEGER_IN) Long count,
            @NotNull(message = REQUIRED) Double mean,
            @NotNull(message = REQUIRED) Double p50,
            @NotNull(message = REQUIRED) Double p90,
            @NotNull(message = REQUIRED) Double p99,
            @NotNull(message = REQUIRED) Double max,
            @NotNull(message = REQUIRED) Double ciLow,
            @NotNull(message = REQUIRED) Double ciHigh,
            @DecimalMin(value = "0", message = "must be >= 0") Double tailIndex,
            @DecimalMin(value = "0", message = "must be >= 0") Double samplingStdError) {

        /**
         * One statistic by its wire name.
         *
         * @param s the statistic
         * @return its value, or null when missing
         */
        Double value(Statistic s) {
            return switch (s) {
                case MEAN -> mean;
                case P50 -> p50;
                case P90 -> p90;
                case P99 -> p99;
                case MAX -> max;
                case CI_LOW -> ciLow;
                case CI_HIGH -> ciHigh;
            };
        }
    }

    /**
     * One probe slice's summaries.
     *
     * @param slice its label, unique in the checkpoint
     * @param count examples in it
     * @param metrics summaries by metric name
     */
    record SliceBody(
            @NotNull(message = REQUIRED) @Size(min = 1, max = 128, message = LENGTH) String slice,
            @NotNull(message = REQUIRED) @Range(min = 1, max = MAX_INT, message = INTEGER_IN) Long count,
            @NotNull(message = REQUIRED) @Size(max = MAX_METRICS, message = METRIC_COUNT) @MetricRanges
                    Map<@MetricName String, @NotNull(message = OBJECT) @Valid SummaryBody> metrics)
            implements Named {

        @Override
        public String uniqueName() {
            return slice;
        }
    }

    /**
     * An example that drifted most.
     *
     * @param probeId the probe example
     * @param slice its slice
     * @param metric the metric it ranks by
     * @param value its value
     * @param tokens per-token drift of a sequence probe, optional
     */
    record TopExampleBody(
            @NotNull(message = REQUIRED) @Size(min = 1, max = 256, message = LENGTH) String probeId,
            @NotNull(message = REQUIRED) @Size(min = 1, max = 128, message = LENGTH) String slice,
            @NotNull(message = REQUIRED) @MetricName String metric,
            @NotNull(message = REQUIRED) Double value,
            @Valid TokensBody tokens) {}

    /**
     * A top example's per-token drift ({@link dev.driftwatch.contract.TokenDrift}).
     *
     * @param tokens 1 to 4096 tokens
     * @param kl one KL per token, null where not scored
     * @param worst up to 16 positions
     */
    @TokenRules
    record TokensBody(
            @NotNull(message = REQUIRED) @Size(min = 1, max = MAX_TOKENS, message = "must hold {min} to {max} tokens")
                    List<@NotNull(message = REQUIRED) @Size(min = 1, max = MAX_TOKEN_LENGTH, message = LENGTH) String>
                    tokens,
            @NotNull(message = REQUIRED)
                    List<@DecimalMin(value = "0", message = "must be a finite number >= 0 or null") Double> kl,
            @Size(max = MAX_WORST, message = "must hold at most {max} positions")
                    List<@NotNull(message = OBJECT) @Valid PositionBody> worst) {}

    /**
     * One of the worst positions.
     *
     * @param index the token's index
     * @param kl its KL
     * @param base the base's top candidates
     * @param fineTuned the fine-tuned model's top candidates
     */
    record PositionBody(
            @NotNull(message = REQUIRED) @Min(value = 0, message = INTEGER_FROM) Long index,
            @NotNull(message = REQUIRED) @DecimalMin(value = "0", message = NON_NEGATIVE) Double kl,
            @Size(max = MAX_CHOICES, message = CHOICES) List<@NotNull(message = OBJECT) @Valid ChoiceBody> base,
            @Size(max = MAX_CHOICES, message = CHOICES) List<@NotNull(message = OBJECT) @Valid ChoiceBody> fineTuned) {

        static final String CHOICES = "must hold at most {max} tokens";
    }

    /**
     * A candidate token.
     *
     * @param token the token
     * @param base its probability under the base, null when unknown (top-k base)
     * @param fineTuned its probability under the fine-tuned model
     */
    record ChoiceBody(
            @NotNull(message = REQUIRED) @Size(min = 1, max = MAX_TOKEN_LENGTH, message = LENGTH) String token,
            @Probability Double base,
            @NotNull(message = REQUIRED) @Probability Double fineTuned) {}

    /**
     * Parameter drift ({@link dev.driftwatch.contract.ParameterDrift}).
     *
     * @param totalParameters all parameters
     * @param trainableParameters the trained ones
     * @param trainableFraction their share
     * @param globalRelativeL2 the relative L2 change of all parameters
     * @param tensors per tensor, names unique
     */
    @TrainableWithinTotal
    record ParametersBody(
            @NotNull(message = REQUIRED) @Min(value = 1, message = INTEGER_FROM) Long totalParameters,
            @NotNull(message = REQUIRED) @Min(value = 0, message = INTEGER_FROM) Long trainableParameters,
            @NotNull(message = REQUIRED) @DecimalMin(value = "0", message = UNIT)
                    @DecimalMax(value = "1", message = UNIT) Double trainableFraction,
            @NotNull(message = REQUIRED) @DecimalMin(value = "0", message = NON_NEGATIVE) Double globalRelativeL2,
            @UniqueNames(property = "name") List<@NotNull(message = OBJECT) @Valid TensorBody> tensors)
            implements ParameterCounts {

        static final String UNIT = "must be in [0, 1]";
    }

    /**
     * One tensor's drift.
     *
     * @param name its name, unique in the checkpoint
     * @param trainable whether it is trained
     * @param buffer whether it is a buffer
     * @param size its element count
     * @param deltaL2 the L2 norm of its change
     * @param baseL2 the L2 norm of its base value
     * @param relative their ratio
     * @param stableRank the stable rank of its change, optional
     */
    record TensorBody(
            @NotNull(message = REQUIRED) @Size(min = 1, max = TensorDrift.MAX_NAME_LENGTH, message = LENGTH) String name,
            @NotNull(message = REQUIRED) Boolean trainable,
            @NotNull(message = REQUIRED) Boolean buffer,
            @NotNull(message = REQUIRED) @Min(value = 1, message = INTEGER_FROM) Long size,
            @NotNull(message = REQUIRED) @DecimalMin(value = "0", message = NON_NEGATIVE) Double deltaL2,
            @NotNull(message = REQUIRED) @DecimalMin(value = "0", message = NON_NEGATIVE) Double baseL2,
            @NotNull(message = REQUIRED) @DecimalMin(value = "0", message = NON_NEGATIVE) Double relative,
            @DecimalMin(value = "0.999999999", message = "must be >= 1") Double stableRank) implements Named {

        @Override
        public String uniqueName() {
            return name;
        }
    }
}
