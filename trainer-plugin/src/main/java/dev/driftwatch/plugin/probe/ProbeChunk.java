package dev.driftwatch.plugin.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A batch of probe examples on the device, ready for a forward pass.
 *
 * @param offset index of the first example in the probe set
 * @param size number of examples
 * @param inputs the model inputs, batch axis first
 * @param mask float mask {@code [size, T]} of scored positions (1 scored, 0 not), or null for classifiers
 */
public record ProbeChunk(int offset, int size, NDList inputs, NDArray mask) {}
