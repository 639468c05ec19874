package dev.driftwatch.plugin.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;

/**
 * Masked next-token cross-entropy for sequence models: logits {@code [B, T, V]}, targets
 * {@code [B, T]} (token ids) and an optional mask {@code [B, T]} (1 for scored positions, 0 for
 * padding or prompt). The value is the mean negative log-likelihood over the scored positions of the
 * batch, in nats/token. DJL's {@code SoftmaxCrossEntropyLoss} takes {@code [B, V]} logits only.
 *
 * <p>Labels are {@code NDList(targets)} or {@code NDList(targets, mask)}, e.g. from an
 * {@code ArrayDataset} built with {@code optLabels(targets, mask)}; the predictions' first array is
 * the logits.
 *
 * <pre>
 * TrainingConfig config = new DefaultTrainingConfig(new SequenceCrossEntropyLoss());
 * ArrayDataset train = new ArrayDataset.Builder()
 *         .setData(manager.create(inputIds, new Shape(n, t)))           // long[n * t]
 *         .optLabels(manager.create(nextIds, new Shape(n, t)),          // long[n * t]
 *                 manager.create(mask, new Shape(n, t)))                // float[n * t], 1 = scored
 *         .setSampling(32, true)
 *         .build();
 * </pre>
 */
public class SequenceCrossEntropyLoss extends Loss {

    /** Creates the loss named {@code loss} (so the trainer reports {@code train_loss}, {@code validate_loss}). */
    public SequenceCrossEntropyLoss() {
        this("loss");
    }

    /**
     * Creates the loss with a name.
     *
     * @param name the name the trainer reports it under
     */
    public SequenceCrossEntropyLoss(String name) {
        super(name);
    }

    /** {@inheritDoc} */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = predictions.head();
        NDArray targets = labels.head();
        Shape shape = logits.getShape();
        if (shape.dimension() != 3 || !targets.getShape().equals(shape.slice(0, 2))) {
            throw new IllegalArgumentException("sequence cross-entropy needs logits [B, T, V] and targets [B, T], got "
                    + shape + " and " + targets.getShape());
        }
        NDArray logProbs = logits.logSoftmax(-1);
        NDArray picked = logProbs.gather(targets.toType(DataType.INT64, false).expandDims(-1), -1).squeeze(-1);
        if (labels.size() < 2) {
            return picked.mean().neg();
        }
        NDArray mask = labels.get(1).toType(picked.getDataType(), false);
        if (!mask.getShape().equals(picked.getShape())) {
            throw new IllegalArgumentException("the mask must have the targets' shape " + picked.getShape() + ", got "
                    + mask.getShape());
        }
        // Positions outside the mask are selected away, not multiplied by 0: a model may give a target
        // there (e.g. <pad>) a -inf logit, and -inf * 0 is NaN in the value and in the gradient.
        // max(count, 1): a batch with no scored position contributes zero, not NaN.
        NDArray scored = NDArrays.where(mask.gt(0), picked.mul(mask), picked.zerosLike());
        return scored.sum().neg().div(mask.sum().maximum(1f));
    }
}
