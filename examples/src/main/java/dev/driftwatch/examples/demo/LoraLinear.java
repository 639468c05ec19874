package dev.driftwatch.examples.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * A fully connected layer with a low-rank (LoRA-style) adapter beside it:
 * {@code y = W0 x + b + (alpha / r) B A x}, where {@code A} is {@code [r, in]} and {@code B} is
 * {@code [out, r]}. {@code B} starts at zero, so a fresh adapter computes exactly the plain layer;
 * training only {@code A} and {@code B} with {@code W0} and {@code b} frozen is low-rank fine-tuning,
 * training {@code W0} and {@code b} with the adapter frozen is ordinary fine-tuning.
 *
 * <p>Freeze parameters after {@code Model.newTrainer}, which unfreezes loaded parameters:
 *
 * <pre>
 * try (Trainer trainer = model.newTrainer(config)) {
 *     layer.trainBase(false);
 *     layer.trainAdapter(true);
 *     // fit
 * }
 * </pre>
 */
public final class LoraLinear extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int units;
    private final int rank;
    private final float scale;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter adapterA;
    private final Parameter adapterB;

    /**
     * Creates the layer.
     *
     * @param units output width
     * @param rank the adapter's rank r (at least 1)
     * @param alpha the adapter's scale numerator; the update is multiplied by {@code alpha / rank}
     */
    public LoraLinear(int units, int rank, float alpha) {
        super(VERSION);
        if (units < 1 || rank < 1) {
            throw new IllegalArgumentException("units and rank must be >= 1");
        }
        this.units = units;
        this.rank = rank;
        this.scale = alpha / rank;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT).build());
        this.bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS).build());
        // OTHER, with explicit initializers: the training config's WEIGHT initializer must not touch them.
        this.adapterA = addParameter(Parameter.builder().setName("loraA").setType(Parameter.Type.OTHER)
                .optInitializer(new NormalInitializer(0.01f)).build());
        this.adapterB = addParameter(Parameter.builder().setName("loraB").setType(Parameter.Type.OTHER)
                .optInitializer(Initializer.ZEROS).build());
    }

    /**
     * Makes the plain layer's weight and bias trainable or frozen.
     *
     * @param trainable true to train them
     */
    public void trainBase(boolean trainable) {
        weight.freeze(!trainable);
        bias.freeze(!trainable);
    }

    /**
     * Makes the adapter's A and B trainable or frozen.
     *
     * @param trainable true to train them
     */
    public void trainAdapter(boolean trainable) {
        adapterA.freeze(!trainable);
        adapterB.freeze(!trainable);
    }

    /**
     * Returns the number of adapter elements, {@code r * (in + out)}, once initialised or loaded.
     *
     * @return the adapter's size
     */
    public long adapterSize() {
        return adapterA.getArray().size() + adapterB.getArray().size();
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList in, boolean training,
            PairList<String, Object> params) {
        NDArray x = in.singletonOrThrow();
        NDArray w = store.getValue(weight, x.getDevice(), training);
        NDArray b = store.getValue(bias, x.getDevice(), training);
        NDArray a = store.getValue(adapterA, x.getDevice(), training);
        NDArray bb = store.getValue(adapterB, x.getDevice(), training);
        NDArray plain = Linear.linear(x, w, b).singletonOrThrow();
        NDArray update = Linear.linear(Linear.linear(x, a).singletonOrThrow(), bb).singletonOrThrow();
        // a PyTorch-owned scalar: mul(float) would leave autograd a Java buffer a GC may free (GraphScalars)
        return new NDList(plain.add(update.mul(GraphScalars.of(update, scale))));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].slice(0, inputShapes[0].dimension() - 1).add(units)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        long inputs = inputShapes[0].get(inputShapes[0].dimension() - 1);
        weight.setShape(new Shape(units, inputs));
        bias.setShape(new Shape(units));
        adapterA.setShape(new Shape(rank, inputs));
        adapterB.setShape(new Shape(units, rank));
    }

    @Override
    public String toString() {
        return "LoraLinear(units=" + units + ", rank=" + rank + ")";
    }
}
