package dev.driftwatch.plugin.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * Error messages for a probe set that does not fit the model, naming what was expected and what was
 * given: the first thing a user sees when a probe input or mask has the wrong shape or type.
 */
public final class ProbeShapes {

    private ProbeShapes() {}

    /**
     * Explains a forward pass that failed on a chunk of probes: the probe inputs' shapes and types
     * against the inputs the model was initialised with (when the block knows them), and the engine's
     * own message.
     *
     * @param probes the probe set
     * @param chunk the chunk whose forward pass failed
     * @param block the model's block
     * @param cause the engine's exception
     * @return the message
     */
    public static String forwardFailed(ProbeSet probes, ProbeChunk chunk, Block block, RuntimeException cause) {
        List<String> given = new ArrayList<>();
        for (int j = 0; j < probes.inputs().size(); j++) {
            ProbeInput in = probes.inputs().get(j);
            NDArray batch = chunk.inputs().get(j);
            given.add("'" + in.name() + "' " + batch.getShape() + " " + in.dataType() + " (" + in.exampleShape()
                    + " per example)");
        }
        List<Shape> expected = initialisedInputs(block);
        if (fits(expected, chunk)) {
            // the shapes are right: the engine's own error is the news, not the shapes
            return "the model's forward pass failed on the probe inputs (their shapes fit the model: given "
                    + String.join(", ", given) + "). Engine: " + cause.getMessage();
        }
        StringBuilder b = new StringBuilder("the model's forward pass failed on the probe inputs: given ")
                .append(String.join(", ", given));
        if (!expected.isEmpty()) {
            List<String> shapes = new ArrayList<>();
            for (Shape s : expected) {
                shapes.add(s + " (" + (s.dimension() > 0 ? s.slice(1) : s) + " per example)");
            }
            b.append("; expected, as the model was initialised: ").append(String.join(", ", shapes));
            if (expected.size() != probes.inputs().size()) {
                b.append(" — the model takes ").append(expected.size()).append(" input(s), the probe set has ")
                        .append(probes.inputs().size());
            }
        }
        b.append(". Probe inputs are passed to the model in order, each with the example axis first. Engine: ")
                .append(cause.getMessage());
        return b.toString();
    }

    /** Whether every probe input has the shape per example the model was initialised with (known and equal). */
    private static boolean fits(List<Shape> expected, ProbeChunk chunk) {
        if (expected.isEmpty() || expected.size() != chunk.inputs().size()) {
            return false;
        }
        for (int j = 0; j < expected.size(); j++) {
            Shape want = expected.get(j);
            Shape got = chunk.inputs().get(j).getShape();
            if (want.dimension() == 0 || got.dimension() != want.dimension() || !got.slice(1).equals(want.slice(1))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks the logits of a forward pass against the probe set: {@code [b, V]} for classifier
     * probes, {@code [b, T, V]} for sequence probes whose mask has T positions per example.
     *
     * @param probes the probe set
     * @param batch b, the examples in the forward pass
     * @param logits the shape the model returned
     * @return what is wrong, or null when the shape fits
     */
    public static String logitsMismatch(ProbeSet probes, int batch, Shape logits) {
        if (logits.dimension() >= 2 && logits.get(logits.dimension() - 1) < 2) {
            // a sigmoid or regression head: a softmax over one class is always 1, so every divergence would read 0
            return "the model returns " + logits + ": one value per " + (probes.isSequence() ? "position" : "example")
                    + ", and a softmax over one class is always 1, so drift would always read 0; driftwatch compares"
                    + " distributions over V >= 2 classes (for a sigmoid head, measure a block that returns the two"
                    + " logits [0, z])";
        }
        if (probes.isSequence()) {
            if (logits.dimension() == 3 && logits.get(0) == batch && logits.get(1) == probes.positions()) {
                return null;
            }
            return "the probe mask has T=" + probes.positions() + " positions per example, so the logits must be [b, T, V]"
                    + " = [" + batch + ", " + probes.positions() + ", V]; given: the model returned " + logits
                    + (logits.dimension() == 3 && logits.get(0) == batch
                            ? " (make the mask's rows as long as the model output's sequence axis, "
                                    + logits.get(1) + ")"
                            : "");
        }
        if (logits.dimension() == 2 && logits.get(0) == batch) {
            return null;
        }
        return "classifier probes (no mask) need logits [b, V] = [" + batch + ", V]; given: the model returned " + logits
                + (logits.dimension() == 3 ? " (for a sequence output, give the probe set a mask [N, T] of the"
                        + " positions to score: ProbeSet.Builder.optMask)" : "");
    }

    /** The input shapes the block was initialised with, or none when it does not know them. */
    private static List<Shape> initialisedInputs(Block block) {
        try {
            PairList<String, Shape> described = block.describeInput();
            return described == null ? List.of() : described.values();
        } catch (RuntimeException e) {
            return List.of(); // not initialised, or a block that does not record its input shapes
        }
    }
}
