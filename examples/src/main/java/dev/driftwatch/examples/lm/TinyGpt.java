package dev.driftwatch.examples.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A small causal transformer language model from DJL blocks: token and position embeddings, a stack of
 * {@link TransformerLayer}s (masked multi-head self-attention and a GELU MLP, pre-norm), a final layer
 * norm and a linear head over the vocabulary. Input: token ids {@code [B, T]} (int64); output: next-token
 * logits {@code [B, T, V]}, where position t predicts token t+1 from tokens 0..t.
 *
 * <pre>
 * TinyGpt gpt = new TinyGpt(8192, 32, 64, 4, 2, 4);
 * model.setBlock(gpt);
 * trainer.initialize(new Shape(1, 32));
 * </pre>
 */
public final class TinyGpt extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int vocabulary;
    private final int context;
    private final int width;
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final List<TransformerLayer> layers = new ArrayList<>();
    private final LayerNorm finalNorm;
    private final Linear head;

    /**
     * Creates the (uninitialised) model.
     *
     * @param vocabulary V
     * @param context the longest sequence T
     * @param width the model width d
     * @param heads attention heads per layer
     * @param depth the number of layers
     * @param adapterRank the rank of the attention projections' adapters
     */
    public TinyGpt(int vocabulary, int context, int width, int heads, int depth, int adapterRank) {
        super(VERSION);
        this.vocabulary = vocabulary;
        this.context = context;
        this.width = width;
        // explicit initializers (and type OTHER): the training config's weight initializer must not touch them
        this.tokenEmbedding = addParameter(Parameter.builder().setName("tokenEmbedding")
                .setType(Parameter.Type.OTHER).optInitializer(new NormalInitializer(0.02f)).build());
        this.positionEmbedding = addParameter(Parameter.builder().setName("positionEmbedding")
                .setType(Parameter.Type.OTHER).optInitializer(new NormalInitializer(0.02f)).build());
        for (int i = 0; i < depth; i++) {
            layers.add(addChildBlock("layer" + i, new TransformerLayer(width, heads, adapterRank)));
        }
        this.finalNorm = addChildBlock("finalNorm", LayerNorm.builder().axis(2).build());
        this.head = addChildBlock("head", Linear.builder().setUnits(vocabulary).build());
    }

    /**
     * Returns the layers, first to last.
     *
     * @return the transformer layers
     */
    public List<TransformerLayer> layers() {
        return layers;
    }

    /**
     * Returns the vocabulary size.
     *
     * @return V
     */
    public int vocabulary() {
        return vocabulary;
    }

    /**
     * Returns the longest sequence the model takes.
     *
     * @return T
     */
    public int context() {
        return context;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray ids = inputs.head();
        int t = (int) ids.getShape().get(1);
        if (t > context) {
            throw new IllegalArgumentException("sequence of " + t + " tokens is longer than the context " + context);
        }
        NDArray tokens = store.getValue(tokenEmbedding, ids.getDevice(), training);
        NDArray positions = store.getValue(positionEmbedding, ids.getDevice(), training);
        NDArray x = Embedding.embedding(ids.toType(DataType.INT64, false), tokens, SparseFormat.DENSE)
                .singletonOrThrow().add(positions.get("0:" + t));
        NDList h = new NDList(x);
        for (TransformerLayer layer : layers) {
            h = layer.forward(store, h, training);
        }
        return head.forward(store, finalNorm.forward(store, h, training), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(vocabulary)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        tokenEmbedding.setShape(new Shape(vocabulary, width));
        positionEmbedding.setShape(new Shape(context, width));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0].add(width);
        for (TransformerLayer layer : layers) {
            layer.initialize(manager, dataType, hidden);
        }
        finalNorm.initialize(manager, dataType, hidden);
        head.initialize(manager, dataType, hidden);
    }
}
