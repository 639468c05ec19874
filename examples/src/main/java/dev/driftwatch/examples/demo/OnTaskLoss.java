package dev.driftwatch.examples.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * Softmax cross-entropy over a subset of the classes: the other classes' logits are masked out
 * before the softmax. Fine-tuning with it teaches the model to tell the on-task classes apart
 * without also teaching it that the other classes no longer exist, so whatever drift appears on
 * the off-task probes is a side effect of the method, not the point of the task.
 */
final class OnTaskLoss extends Loss {

    private final ClassSubset classes;
    private final SoftmaxCrossEntropyLoss crossEntropy = new SoftmaxCrossEntropyLoss("loss");

    /**
     * Creates the loss, named {@code loss} so checkpoints carry {@code train_loss} and {@code validate_loss}.
     *
     * @param classes the classes the softmax runs over
     */
    OnTaskLoss(ClassSubset classes) {
        super("loss");
        this.classes = classes;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return crossEntropy.evaluate(labels, new NDList(classes.restrict(predictions.singletonOrThrow())));
    }
}
