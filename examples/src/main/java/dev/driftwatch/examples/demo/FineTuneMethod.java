package dev.driftwatch.examples.demo;

/**
 * The ways the demo fine-tunes the same base: which parameters train, and at what learning rate.
 * Call {@link #applyTo} after {@code Model.newTrainer}, which unfreezes every loaded parameter.
 */
public enum FineTuneMethod {

    /** Every base weight trains; the adapters stay frozen (and therefore zero). */
    FULL("full", "full fine-tuning", 3e-3f, true, true, false),
    /** Only the classification head (the last layer's weight and bias) trains. */
    HEAD("head", "head-only", 1e-2f, false, true, false),
    /** Only the low-rank adapters of all layers train; the base weights stay frozen. */
    LORA("lora", "low-rank adapter", 5e-3f, false, false, true);

    private final String wireName;
    private final String label;
    private final float learningRate;
    private final boolean trainsHidden;
    private final boolean trainsHead;
    private final boolean trainsAdapters;

    FineTuneMethod(String wireName, String label, float learningRate, boolean trainsHidden, boolean trainsHead,
            boolean trainsAdapters) {
        this.wireName = wireName;
        this.label = label;
        this.learningRate = learningRate;
        this.trainsHidden = trainsHidden;
        this.trainsHead = trainsHead;
        this.trainsAdapters = trainsAdapters;
    }

    /**
     * Freezes and unfreezes the model's parameters for this method.
     *
     * @param model the model, after {@code newTrainer}
     */
    public void applyTo(DemoModel model) {
        for (LoraLinear layer : model.layers()) {
            layer.trainBase(layer == model.head() ? trainsHead : trainsHidden);
            layer.trainAdapter(trainsAdapters);
        }
    }

    /**
     * Returns the method name the service knows ({@code full}, {@code head}, {@code lora}).
     *
     * @return the wire name
     */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns a human-readable label.
     *
     * @return e.g. {@code head-only}
     */
    public String label() {
        return label;
    }

    /**
     * Returns the Adam learning rate this method trains with. Full fine-tuning uses a common,
     * somewhat aggressive rate; the light methods need a higher one to move their few parameters.
     *
     * @return the learning rate
     */
    public float learningRate() {
        return learningRate;
    }
}
