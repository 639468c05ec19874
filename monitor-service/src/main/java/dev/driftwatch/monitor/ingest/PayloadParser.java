package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.monitor.ingest.IngestBodies.BatchBody;
import dev.driftwatch.monitor.ingest.IngestBodies.CheckpointBody;
import dev.driftwatch.monitor.ingest.IngestBodies.ChoiceBody;
import dev.driftwatch.monitor.ingest.IngestBodies.PositionBody;
import dev.driftwatch.monitor.ingest.IngestBodies.RunBody;
import dev.driftwatch.monitor.ingest.IngestBodies.RunEndBody;
import dev.driftwatch.monitor.ingest.IngestBodies.SummaryBody;
import dev.driftwatch.monitor.ingest.IngestBodies.TokensBody;
import dev.driftwatch.monitor.ingest.IngestConstraints.StorableTimeValidator;
import dev.driftwatch.monitor.problem.ApiProblem;
import jakarta.validation.Validator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;

/**
 * Turns ingestion bodies into the contract's wire records. The rules of docs/api/ingestion.md are
 * Bean Validation constraints on {@link IngestBodies}, bound and checked by {@link BodyBinder} (a 400
 * naming every field at fault, before anything is written); what is left here is the 422 for too many
 * items (limits of {@link IngestProperties}, checked on the tree before anything is bound) and the
 * contract's defaults (epoch 0, valid, {@code exact}, the run's temperature, the time of receipt).
 *
 * <p>Metrics the contract knows ({@link dev.driftwatch.contract.Metric}) are checked against their
 * range; a well-formed name it does not know (from a newer plugin) is accepted and stored with the
 * generic checks only (finite numbers, {@code p50 <= p90 <= p99 <= max}, {@code ciLow <= mean <= ciHigh}).
 */
final class PayloadParser {

    private final IngestProperties limits;
    private final BodyBinder binder;

    PayloadParser(IngestProperties limits, Validator validator) {
        this.limits = limits;
        this.binder = new BodyBinder(validator);
    }

    /**
     * Parses a run body.
     *
     * @param root the body
     * @param runKey the run key from the path
     * @return the metadata, with a null {@code startedAt} when the body has none: the time of receipt is the
     *     start of a new run only, a stored run keeps its own ({@link IngestService#upsertRun})
     */
    RunInfo run(JsonNode root, String runKey) {
        RunBody r = binder.bind(root, RunBody.class, runKey);
        List<String> tags = r.tags() == null ? List.of() : List.copyOf(new LinkedHashSet<>(r.tags()));
        return new RunInfo(runKey, r.name(), r.method(), tags, r.baseFingerprint(), r.probeFingerprint(),
                r.totalParameters(), r.trainableParameters(), r.temperature() == null ? 1.0 : r.temperature(),
                r.config() == null ? Map.of() : r.config(), time(r.startedAt(), null));
    }

    /**
     * Parses a run-end body.
     *
     * @param root the body
     * @param runKey the run key from the path
     * @return the run end, with a null {@code endedAt} when the body has none (the time of receipt, set by
     *     {@link IngestService#finishRun})
     */
    RunEnd end(JsonNode root, String runKey) {
        RunEndBody e = binder.bind(root, RunEndBody.class, runKey);
        return new RunEnd(runKey, e.status(), time(e.endedAt(), null));
    }

    /**
     * Parses a checkpoint batch body.
     *
     * @param root the body
     * @param runKey the run key from the path
     * @param runTemperature the run's temperature, the default of each checkpoint
     * @param now the time of receipt, the default measurement time
     * @return the checkpoints in upload order
     */
    List<CheckpointReport> batch(JsonNode root, String runKey, double runTemperature, Instant now) {
        checkSizes(root);
        BatchBody batch = binder.bind(root, BatchBody.class, runKey);
        List<CheckpointReport> out = new ArrayList<>(batch.checkpoints().size());
        for (CheckpointBody c : batch.checkpoints()) {
            out.add(checkpoint(c, runKey, runTemperature, now));
        }
        return out;
    }

    /** The 422 for more items than the limits allow, before the body is bound. */
    private void checkSizes(JsonNode root) {
        JsonNode array = root.isObject() ? root.get("checkpoints") : null;
        if (array == null || !array.isArray()) {
            return;
        }
        tooMany("checkpoints", array.size(), limits.maxCheckpoints());
        for (int i = 0; i < array.size(); i++) {
            JsonNode c = array.get(i);
            String p = "checkpoints[" + i + "]";
            tooMany(p + ".slices", items(c.path("slices")), limits.maxSlices());
            tooMany(p + ".topExamples", items(c.path("topExamples")), limits.maxTopExamples());
            tooMany(p + ".parameters.tensors", items(c.path("parameters").path("tensors")), limits.maxTensors());
        }
    }

    /** The items of an array; anything else has none here (the binder says it must be an array). */
    private static int items(JsonNode n) {
        return n.isArray() ? n.size() : 0;
    }

    private static CheckpointReport checkpoint(CheckpointBody c, String runKey, double runTemperature, Instant now) {
        return new CheckpointReport(runKey, c.step(), c.epoch() == null ? 0 : c.epoch().intValue(), time(c.time(), now),
                c.isValid(), c.invalidReason(), c.approximation() == null ? "exact" : c.approximation(),
                c.temperature() == null ? runTemperature : c.temperature(), c.probeCount().intValue(),
                summaries(c.metrics()), c.slices() == null ? List.of() : c.slices().stream()
                        .map(s -> new SliceSummary(s.slice(), s.count(), summaries(s.metrics()))).toList(),
                c.topExamples() == null ? List.of() : c.topExamples().stream()
                        .map(t -> new TopExample(t.probeId(), t.slice(), t.metric(), t.value(), tokens(t.tokens())))
                        .toList(),
                parameters(c.parameters()), c.taskMetrics() == null ? Map.of() : c.taskMetrics());
    }

    private static Map<String, MetricSummary> summaries(Map<String, SummaryBody> metrics) {
        Map<String, MetricSummary> out = new LinkedHashMap<>();
        if (metrics != null) {
            metrics.forEach((name, s) -> out.put(name, new MetricSummary(s.count(), s.mean(), s.p50(), s.p90(),
                    s.p99(), s.max(), s.ciLow(), s.ciHigh(), s.tailIndex(), s.samplingStdError())));
        }
        return out;
    }

    private static TokenDrift tokens(TokensBody t) {
        if (t == null) {
            return null;
        }
        List<TokenDrift.Position> worst = new ArrayList<>();
        for (PositionBody w : t.worst() == null ? List.<PositionBody>of() : t.worst()) {
            worst.add(new TokenDrift.Position(w.index().intValue(), w.kl(), choices(w.base()), choices(w.fineTuned())));
        }
        return new TokenDrift(t.tokens(), t.kl(), worst);
    }

    private static List<TokenDrift.Choice> choices(List<ChoiceBody> choices) {
        return choices == null ? List.of() : choices.stream()
                .map(c -> new TokenDrift.Choice(c.token(), c.base() == null ? Double.NaN : c.base(), c.fineTuned()))
                .toList();
    }

    private static ParameterDrift parameters(IngestBodies.ParametersBody p) {
        if (p == null) {
            return null;
        }
        List<TensorDrift> tensors = p.tensors() == null ? List.of() : p.tensors().stream()
                .map(t -> new TensorDrift(t.name(), t.trainable(), t.buffer(), t.size(), t.deltaL2(), t.baseL2(),
                        t.relative(), t.stableRank()))
                .toList();
        return new ParameterDrift(p.totalParameters(), p.trainableParameters(), p.trainableFraction(),
                p.globalRelativeL2(), tensors);
    }

    private static Instant time(String text, Instant byDefault) {
        return text == null ? byDefault : StorableTimeValidator.parse(text);
    }

    private static void tooMany(String field, int size, int limit) {
        if (size > limit) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, "too-many-items", "Too many items",
                    field + " has " + size + " items, more than the limit of " + limit,
                    List.of(new ApiProblem.FieldProblem(field, "must have at most " + limit + " items")));
        }
    }
}
