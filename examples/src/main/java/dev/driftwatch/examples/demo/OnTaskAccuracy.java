package dev.driftwatch.examples.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.util.Pair;

/** Accuracy of the argmax among a subset of the classes, matching {@link OnTaskLoss}. */
final class OnTaskAccuracy extends Accuracy {

    private final ClassSubset classes;

    /**
     * Creates the evaluator, named {@code Accuracy} like DJL's.
     *
     * @param classes the classes the argmax runs over
     */
    OnTaskAccuracy(ClassSubset classes) {
        this.classes = classes;
    }

    @Override
    protected Pair<Long, NDArray> accuracyHelper(NDList labels, NDList predictions) {
        return super.accuracyHelper(labels, new NDList(classes.restrict(predictions.singletonOrThrow())));
    }
}
