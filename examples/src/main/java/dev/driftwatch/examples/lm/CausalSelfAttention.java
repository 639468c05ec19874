package dev.driftwatch.examples.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.driftwatch.examples.demo.GraphScalars;
import dev.driftwatch.examples.demo.LoraLinear;
import java.util.List;

/**
 * Masked (causal) multi-head self-attention: position t attends to positions 0..t only. The query,
 * key, value and output projections are {@link LoraLinear}s, so a run can train low-rank adapters on
 * exactly the attention projections.
 */
public final class CausalSelfAttention extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int width;
    private final int heads;
    private final LoraLinear query;
    private final LoraLinear key;
    private final LoraLinear value;
    private final LoraLinear output;

    /**
     * Creates the block.
     *
     * @param width the model width d (a multiple of {@code heads})
     * @param heads the number of heads
     * @param adapterRank the rank of the projections' adapters
     */
    public CausalSelfAttention(int width, int heads, int adapterRank) {
        super(VERSION);
        if (width % heads != 0) {
            throw new IllegalArgumentException("width " + width + " is not a multiple of " + heads + " heads");
        }
        this.width = width;
        this.heads = heads;
        this.query = addChildBlock("query", new LoraLinear(width, adapterRank, 2f * adapterRank));
        this.key = addChildBlock("key", new LoraLinear(width, adapterRank, 2f * adapterRank));
        this.value = addChildBlock("value", new LoraLinear(width, adapterRank, 2f * adapterRank));
        this.output = addChildBlock("output", new LoraLinear(width, adapterRank, 2f * adapterRank));
    }

    /**
     * Returns the four projections (query, key, value, output).
     *
     * @return the projections
     */
    public List<LoraLinear> projections() {
        return List.of(query, key, value, output);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        long b = x.getShape().get(0);
        int t = (int) x.getShape().get(1);
        int dh = width / heads;
        NDArray q = split(query.forward(store, inputs, training).singletonOrThrow(), b, t, dh);
        NDArray k = split(key.forward(store, inputs, training).singletonOrThrow(), b, t, dh);
        NDArray v = split(value.forward(store, inputs, training).singletonOrThrow(), b, t, dh);
        NDArray products = q.matMul(k.transpose(0, 1, 3, 2));
        // a PyTorch-owned scalar: mul(float) would leave autograd a Java buffer a GC may free (GraphScalars)
        NDArray scores = products.mul(GraphScalars.of(products, 1f / (float) Math.sqrt(dh)))
                .add(causalMask(x.getManager(), t, x.getDataType()));
        NDArray attended = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, width);
        return output.forward(store, new NDList(attended), training);
    }

    /** {@code [B, T, d]} to {@code [B, H, T, d/H]}. */
    private NDArray split(NDArray x, long b, int t, int dh) {
        return x.reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
    }

    /** {@code [T, T]}: 0 on and below the diagonal, a large negative number above (the future). */
    private static NDArray causalMask(NDManager manager, int t, DataType type) {
        float[] mask = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                mask[i * t + j] = -1e9f;
            }
        }
        return manager.create(mask, new Shape(t, t)).toType(type, false);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (LoraLinear p : projections()) {
            p.initialize(manager, dataType, inputShapes);
        }
    }
}
