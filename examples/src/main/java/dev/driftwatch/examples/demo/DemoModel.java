package dev.driftwatch.examples.demo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import java.util.List;

/**
 * The demo's classifier: a 784-256-128-10 MLP whose three layers are {@link LoraLinear}s.
 *
 * <p>All fine-tuning methods share this one architecture, adapters included, so every run starts from
 * byte-identical parameters and carries the same base fingerprint: the service then compares the
 * runs with each other. A fresh adapter's B is zero, so the adapters change nothing until a run
 * trains them.
 */
public final class DemoModel {

    /** Input width: one flattened 28x28 image. */
    public static final Shape INPUT = new Shape(784);
    /** Number of classes. */
    public static final int CLASSES = 10;

    private final SequentialBlock block;
    private final List<LoraLinear> layers;

    /**
     * Builds the (uninitialised) network.
     *
     * @param adapterRank the rank of every layer's adapter
     */
    public DemoModel(int adapterRank) {
        LoraLinear hidden1 = new LoraLinear(256, adapterRank, 2f * adapterRank);
        LoraLinear hidden2 = new LoraLinear(128, adapterRank, 2f * adapterRank);
        LoraLinear head = new LoraLinear(CLASSES, adapterRank, 2f * adapterRank);
        this.layers = List.of(hidden1, hidden2, head);
        this.block = new SequentialBlock()
                .add(hidden1).add(Activation.reluBlock())
                .add(hidden2).add(Activation.reluBlock())
                .add(head);
    }

    /**
     * Returns the DJL block.
     *
     * @return the block to set on a model
     */
    public SequentialBlock block() {
        return block;
    }

    /**
     * Returns the three layers, the classification head last.
     *
     * @return the layers
     */
    public List<LoraLinear> layers() {
        return layers;
    }

    /**
     * Returns the classification head.
     *
     * @return the last layer
     */
    public LoraLinear head() {
        return layers.get(layers.size() - 1);
    }
}
