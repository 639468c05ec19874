package dev.driftwatch.plugin;

import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EvaluatorTrainingListener;
import dev.driftwatch.contract.CheckpointReport;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the task metrics the trainer already has (loss and evaluators), for a checkpoint. */
final class TaskMetrics {

    private static final Logger logger = LoggerFactory.getLogger(TaskMetrics.class);
    /** Whether the cut to the service's limit has been logged (once per JVM: the trainer's metrics do not change). */
    private static volatile boolean warned;

    private TaskMetrics() {}

    /**
     * Collects the trainer's metrics.
     *
     * @param trainer the trainer
     * @param epochEnd true at the end of an epoch: the epoch's training and validation results; else the
     *     running training values of the current epoch
     * @return name (e.g. {@code train_loss}, {@code validate_accuracy}) to value, finite values only
     */
    static Map<String, Double> collect(Trainer trainer, boolean epochEnd) {
        return atMostWhatTheServiceTakes(all(trainer, epochEnd));
    }

    /**
     * The metrics, cut to {@link CheckpointReport#MAX_TASK_METRICS} (the service refuses a checkpoint with more):
     * the losses first, then the others in name order (an epoch's results come in no set order).
     */
    static Map<String, Double> atMostWhatTheServiceTakes(Map<String, Double> all) {
        if (all.size() <= CheckpointReport.MAX_TASK_METRICS) {
            return all;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (String loss : new String[] {CheckpointReport.TRAIN_LOSS, CheckpointReport.VALIDATE_LOSS}) {
            if (all.containsKey(loss)) {
                out.put(loss, all.get(loss));
            }
        }
        for (String name : new java.util.TreeSet<>(all.keySet())) {
            if (out.size() == CheckpointReport.MAX_TASK_METRICS) {
                break;
            }
            out.putIfAbsent(name, all.get(name));
        }
        if (!warned) {
            warned = true;
            logger.warn("driftwatch: the trainer has {} metrics; a checkpoint carries at most {} (the losses and the"
                    + " others first in name order)", all.size(), CheckpointReport.MAX_TASK_METRICS);
        }
        return out;
    }

    private static Map<String, Double> all(Trainer trainer, boolean epochEnd) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (epochEnd) {
            TrainingResult result = trainer.getTrainingResult();
            if (result != null && result.getEvaluations() != null) {
                result.getEvaluations().forEach((k, v) -> put(out, k, v));
            }
            return out;
        }
        for (Evaluator evaluator : trainer.getEvaluators()) {
            try {
                // the loss under the name an epoch's results give it (train_loss), whatever its class is called,
                // so that every checkpoint, not only those at epoch ends, carries the loss the service reads
                String name = evaluator == trainer.getLoss() ? CheckpointReport.TRAIN_LOSS
                        : "train_" + evaluator.getName();
                put(out, name, evaluator.getAccumulator(EvaluatorTrainingListener.TRAIN_PROGRESS));
            } catch (RuntimeException e) {
                // No running value yet (e.g. before the first batch was evaluated): leave it out.
            }
        }
        return out;
    }

    private static void put(Map<String, Double> out, String name, Number value) {
        if (value == null || !Double.isFinite(value.doubleValue())) {
            return;
        }
        String key = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_./-]", "_");
        if (!key.isEmpty() && key.length() <= CheckpointReport.MAX_TASK_METRIC_NAME) {
            out.put(key, value.doubleValue());
        }
    }
}
