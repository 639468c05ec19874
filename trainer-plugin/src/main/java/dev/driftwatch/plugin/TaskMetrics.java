package dev.driftwatch.plugin;

import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EvaluatorTrainingListener;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads the task metrics the trainer already has (loss and evaluators), for a checkpoint. */
final class TaskMetrics {

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
                String name = evaluator == trainer.getLoss() ? "train_loss" : "train_" + evaluator.getName();
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
        if (!key.isEmpty() && key.length() <= 64) {
            out.put(key, value.doubleValue());
        }
    }
}
