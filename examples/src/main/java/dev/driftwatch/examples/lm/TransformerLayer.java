package dev.driftwatch.examples.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-norm decoder layer: {@code x + attention(norm(x))}, then {@code x + mlp(norm(x))} with a
 * GELU MLP four times as wide as the model.
 */
public final class TransformerLayer extends AbstractBlock {

    private static final byte VERSION = 1;

    private final LayerNorm attentionNorm;
    private final CausalSelfAttention attention;
    private final LayerNorm mlpNorm;
    private final Linear up;
    private final Linear down;

    /**
     * Creates the layer.
     *
     * @param width the model width d
     * @param heads attention heads
     * @param adapterRank the rank of the attention projections' adapters
     */
    public TransformerLayer(int width, int heads, int adapterRank) {
        super(VERSION);
        this.attentionNorm = addChildBlock("attentionNorm", LayerNorm.builder().axis(2).build());
        this.attention = addChildBlock("attention", new CausalSelfAttention(width, heads, adapterRank));
        this.mlpNorm = addChildBlock("mlpNorm", LayerNorm.builder().axis(2).build());
        this.up = addChildBlock("up", Linear.builder().setUnits(4L * width).build());
        this.down = addChildBlock("down", Linear.builder().setUnits(width).build());
    }

    /**
     * Returns the attention block.
     *
     * @return the attention
     */
    public CausalSelfAttention attention() {
        return attention;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList normed = attentionNorm.forward(store, new NDList(x), training);
        x = x.add(attention.forward(store, normed, training).singletonOrThrow());
        NDList hidden = up.forward(store, mlpNorm.forward(store, new NDList(x), training), training);
        NDArray mlp = down.forward(store, new NDList(Activation.gelu(hidden.singletonOrThrow())), training)
                .singletonOrThrow();
        return new NDList(x.add(mlp));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        attentionNorm.initialize(manager, dataType, x);
        attention.initialize(manager, dataType, x);
        mlpNorm.initialize(manager, dataType, x);
        up.initialize(manager, dataType, x);
        Shape hidden = up.getOutputShapes(new Shape[] {x})[0];
        down.initialize(manager, dataType, hidden);
    }
}
