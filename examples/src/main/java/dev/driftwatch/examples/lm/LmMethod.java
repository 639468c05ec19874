package dev.driftwatch.examples.lm;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/**
 * The ways the LM demo fine-tunes the same base: which parameters train, and at what learning rate.
 * Call {@link #applyTo} after {@code Model.newTrainer}, which unfreezes every loaded parameter.
 */
public enum LmMethod {

    /** Every base weight trains (embeddings, all layers, head); the adapters stay frozen (and zero). */
    FULL("full", "full", "full fine-tuning", 2e-3f),
    /** Only the low-rank adapters of the attention projections (query, key, value, output) train. */
    LORA("lora", "lora", "LoRA on the attention projections", 1e-2f),
    /** Only the last transformer layer's weights train (its attention, MLP and norms). */
    LAST_BLOCK("last-block", "other", "last block only", 3e-3f);

    private final String key;
    private final String wireName;
    private final String label;
    private final float learningRate;

    LmMethod(String key, String wireName, String label, float learningRate) {
        this.key = key;
        this.wireName = wireName;
        this.label = label;
        this.learningRate = learningRate;
    }

    /**
     * Freezes and unfreezes the model's parameters for this method.
     *
     * @param model the model, after {@code newTrainer}
     */
    public void applyTo(TinyGpt model) {
        for (Pair<String, Parameter> p : model.getParameters()) {
            p.getValue().freeze(this != FULL || isAdapter(p.getKey()));
        }
        switch (this) {
            case LORA -> model.layers().forEach(l -> l.attention().projections().forEach(
                    p -> p.trainAdapter(true)));
            case LAST_BLOCK -> {
                TransformerLayer last = model.layers().get(model.layers().size() - 1);
                for (Pair<String, Parameter> p : last.getParameters()) {
                    p.getValue().freeze(isAdapter(p.getKey()));
                }
            }
            default -> { }
        }
    }

    private static boolean isAdapter(String name) {
        return name.endsWith("loraA") || name.endsWith("loraB");
    }

    /**
     * Returns the short name used in run keys ({@code full}, {@code lora}, {@code last-block}).
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * Returns the method name the service knows ({@code full}, {@code lora}; last-block is {@code other}).
     *
     * @return the wire name
     */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns a human-readable label.
     *
     * @return e.g. {@code last block only}
     */
    public String label() {
        return label;
    }

    /**
     * Returns the Adam learning rate this method trains with.
     *
     * @return the learning rate
     */
    public float learningRate() {
        return learningRate;
    }
}
