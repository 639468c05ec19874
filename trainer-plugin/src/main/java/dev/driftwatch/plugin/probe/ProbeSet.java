package dev.driftwatch.plugin.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.WireText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A fixed set of probe examples the drift is measured on: model inputs (any number of tensors), an
 * optional mask of scored positions for sequence models, and an id and a slice label per example.
 *
 * <p>The data lives on the Java heap; {@link #toChunks} puts it on a device. A probe set is immutable
 * and has a SHA-256 {@link #fingerprint()} over its inputs, mask and slice labels, so that only runs
 * measured on the same probes are compared.
 *
 * <p>Shapes and types:
 * <ul>
 *   <li><b>Inputs</b>: one or more tensors, passed to the model in the order they were added, each
 *       {@code [N, ...exampleShape]} with the example axis first. Values are given row-major as
 *       {@code float[]} (float32), {@code int[]} (int32) or {@code long[]} (int64) of
 *       {@code N * exampleShape.size()} elements, or as an {@link NDArray} {@code [N, ...]} of any
 *       of those types.
 *   <li><b>Model output</b>: the logits at {@code optOutputIndex} of the model's output, float
 *       {@code [b, V]} for a classifier (no mask), {@code [b, T, V]} for a sequence model.
 *   <li><b>Mask</b> (sequence models only): float {@code [N, T]}, {@code float[N][T]} or row-major
 *       {@code float[N * T]} with T given; 1 for a scored position of the model output, 0 for one to
 *       skip (padding, the prompt); every example needs at least one 1. T is the length of the
 *       <em>output's</em> sequence axis.
 * </ul>
 * A mismatch is an {@link IllegalArgumentException} naming what was expected and what was given:
 * at {@link Builder#build()} for counts and the mask, at the first forward pass for shapes the model
 * rejects ({@link ProbeShapes}).
 *
 * <pre>
 * ProbeSet probes = ProbeSet.builder()
 *         .addInput("image", pixels, new Shape(1, 28, 28))   // float[N * 784]
 *         .optIds(ids)
 *         .optSlices(slices)                                 // e.g. "on-task", "off-task/shoes"
 *         .optLabels(labels)     // optional: task loss, accuracy and forgetting are measured too
 *         .build();
 *
 * ProbeSet sequences = ProbeSet.builder()
 *         .addInput("tokens", tokenIds, new Shape(64))       // long[N * 64], int64 token ids
 *         .optMask(mask)                                     // float[N][64]: 1 = scored continuation token
 *         .build();                                          // the model must return logits [b, 64, V]
 * </pre>
 */
public final class ProbeSet {

    /** The slice label of examples that were given none. */
    public static final String DEFAULT_SLICE = "all";

    private final List<ProbeInput> inputs;
    private final float[] mask;
    private final int positions;
    private final List<String> ids;
    private final List<String> slices;
    /** Class labels (classifiers) or next-token ids (sequences), {@code [N, T]}, or null. */
    private final long[] targets;
    private final String fingerprint;

    private ProbeSet(List<ProbeInput> inputs, float[] mask, int positions, List<String> ids, List<String> slices,
            long[] targets) {
        this.inputs = List.copyOf(inputs);
        this.mask = mask;
        this.positions = positions;
        this.ids = List.copyOf(ids);
        this.slices = List.copyOf(slices);
        this.targets = targets;
        this.fingerprint = computeFingerprint();
    }

    /**
     * Starts a probe set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a probe set from the first {@code limit} examples of a DJL dataset (its batches' data;
     * the labels are not needed). Ids are {@code idPrefix + index}.
     *
     * @param dataset the dataset, already prepared
     * @param manager a manager for the batches, closed by the caller
     * @param limit the largest number of examples to take
     * @param idPrefix prefix of the generated ids
     * @param slice the slice label of every example
     * @return the probe set
     * @throws IOException when the dataset cannot be read
     * @throws TranslateException when a batch cannot be built
     */
    public static ProbeSet fromDataset(Dataset dataset, NDManager manager, int limit, String idPrefix, String slice)
            throws IOException, TranslateException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
        List<List<NDArray>> columns = new ArrayList<>();
        int taken = 0;
        try (NDManager scoped = manager.newSubManager()) {
            for (Batch batch : dataset.getData(scoped)) {
                try (batch) {
                    NDList data = batch.getData();
                    int n = (int) Math.min(data.head().getShape().get(0), limit - taken);
                    for (int j = 0; j < data.size(); j++) {
                        if (columns.size() <= j) {
                            columns.add(new ArrayList<>());
                        }
                        NDArray part = data.get(j).get("0:" + n);
                        part.attach(scoped);
                        columns.get(j).add(part);
                    }
                    taken += n;
                }
                if (taken >= limit) {
                    break;
                }
            }
            if (taken == 0) {
                throw new IllegalArgumentException("the dataset has no examples");
            }
            Builder b = builder();
            for (int j = 0; j < columns.size(); j++) {
                NDArray all = ai.djl.ndarray.NDArrays.concat(new NDList(columns.get(j)), 0);
                b.addInput("input" + j, all);
            }
            int n = taken;
            return b.optIds(names(n, i -> idPrefix + i)).optSlices(names(n, i -> slice)).build();
        }
    }

    /** The first value that is in the list twice, or null: probe ids must name one example each. */
    private static String firstRepeated(List<String> values) {
        Set<String> seen = new HashSet<>();
        for (String v : values) {
            if (!seen.add(v)) {
                return v;
            }
        }
        return null;
    }

    /**
     * Concatenates probe sets with the same inputs (for example an on-task and an off-task slice).
     *
     * @param parts the probe sets, in order
     * @return one probe set holding all examples
     */
    public static ProbeSet concat(ProbeSet... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        ProbeSet first = parts[0];
        List<ProbeInput> inputs = new ArrayList<>();
        for (int j = 0; j < first.inputs.size(); j++) {
            ProbeInput in = first.inputs.get(j);
            int bytes = 0;
            for (ProbeSet p : parts) {
                ProbeInput other = p.inputs.size() > j ? p.inputs.get(j) : null;
                if (p.inputs.size() != first.inputs.size() || other.dataType() != in.dataType()
                        || !other.exampleShape().equals(in.exampleShape())) {
                    throw new IllegalArgumentException("probe sets have different inputs");
                }
                bytes += other.data().remaining();
            }
            ByteBuffer all = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (ProbeSet p : parts) {
                all.put(p.inputs.get(j).data().duplicate());
            }
            all.flip();
            inputs.add(new ProbeInput(in.name(), in.dataType(), in.exampleShape(), all));
        }
        int n = 0;
        List<String> ids = new ArrayList<>();
        List<String> slices = new ArrayList<>();
        for (ProbeSet p : parts) {
            if (p.positions != first.positions || (p.mask == null) != (first.mask == null)) {
                throw new IllegalArgumentException("probe sets have different masks");
            }
            n += p.size();
            ids.addAll(p.ids);
            slices.addAll(p.slices);
        }
        String twice = firstRepeated(ids);
        if (twice != null) {
            // top examples and per-token detail name an example by its id: two "0"s show the wrong one
            throw new IllegalArgumentException("probe id '" + twice + "' is in more than one of the probe sets;"
                    + " give each its own ids (Builder.optIds, or fromDataset's idPrefix) before concatenating");
        }
        checkSliceCount(slices);
        float[] mask = null;
        if (first.mask != null) {
            mask = new float[n * first.positions];
            int at = 0;
            for (ProbeSet p : parts) {
                System.arraycopy(p.mask, 0, mask, at, p.mask.length);
                at += p.mask.length;
            }
        }
        long[] targets = null;
        if (first.targets != null) {
            targets = new long[n * first.positions];
            int at = 0;
            for (ProbeSet p : parts) {
                if (p.targets == null) {
                    throw new IllegalArgumentException("probe sets differ in having targets");
                }
                System.arraycopy(p.targets, 0, targets, at, p.targets.length);
                at += p.targets.length;
            }
        } else if (Arrays.stream(parts).anyMatch(p -> p.targets != null)) {
            throw new IllegalArgumentException("probe sets differ in having targets");
        }
        return new ProbeSet(inputs, mask, first.positions, ids, slices, targets);
    }

    /** Refuses more distinct slices than the service takes in a checkpoint by default. */
    private static void checkSliceCount(List<String> slices) {
        int distinct = new LinkedHashSet<>(slices).size();
        if (distinct > CheckpointReport.DEFAULT_MAX_SLICES) {
            // each checkpoint carries one summary per slice; the service refuses more by default
            throw new IllegalArgumentException(distinct + " slices: at most " + CheckpointReport.DEFAULT_MAX_SLICES
                    + " (the service's default driftwatch.ingest.max-slices refuses checkpoints with more); group the"
                    + " examples into fewer slices");
        }
    }

    /**
     * Tells whether the examples carry targets (class labels or next tokens), so that task loss,
     * accuracy and forgetting are measured.
     *
     * @return true when targets were given
     */
    public boolean hasTargets() {
        return targets != null;
    }

    /**
     * Returns the targets, row-major {@code [N, T]} (T = 1 for classifiers), or null.
     *
     * @return a copy of the targets or null
     */
    public long[] targets() {
        return targets == null ? null : targets.clone();
    }

    /**
     * Returns the number of examples.
     *
     * @return N
     */
    public int size() {
        return ids.size();
    }

    /**
     * Tells whether the probes are sequences with a mask of scored positions.
     *
     * @return true for sequence probes
     */
    public boolean isSequence() {
        return mask != null;
    }

    /**
     * Returns the number of scored positions per example in the model output: T for sequence probes,
     * 1 for classifiers.
     *
     * @return T
     */
    public int positions() {
        return positions;
    }

    /**
     * Returns the input tensors.
     *
     * @return the inputs, in the order the model takes them
     */
    public List<ProbeInput> inputs() {
        return inputs;
    }

    /**
     * Returns the mask, row-major {@code [N, T]}, or null for classifiers.
     *
     * @return a copy of the mask or null
     */
    public float[] mask() {
        return mask == null ? null : mask.clone();
    }

    /**
     * Returns the example ids.
     *
     * @return N ids
     */
    public List<String> ids() {
        return ids;
    }

    /**
     * Returns the slice labels.
     *
     * @return N labels
     */
    public List<String> slices() {
        return slices;
    }

    /**
     * Returns the distinct slice labels, in order of first appearance.
     *
     * @return the slice names
     */
    public List<String> sliceNames() {
        return List.copyOf(new LinkedHashSet<>(slices));
    }

    /**
     * Returns the SHA-256 (lower-case hex) of the inputs (types, shapes, bytes), the mask and the slice
     * labels.
     *
     * @return 64 hex characters
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Copies the probes onto a device in batches of at most {@code batchSize} examples.
     *
     * @param manager the manager that owns the arrays (and decides the device)
     * @param batchSize the largest batch
     * @return the chunks, in order
     */
    public List<ProbeChunk> toChunks(NDManager manager, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1: " + batchSize);
        }
        List<ProbeChunk> chunks = new ArrayList<>();
        for (int from = 0; from < size(); from += batchSize) {
            int n = Math.min(batchSize, size() - from);
            NDList arrays = new NDList();
            for (ProbeInput in : inputs) {
                Shape shape = new Shape(n).addAll(in.exampleShape());
                arrays.add(manager.create(direct(in.slice(from, n)), shape, in.dataType()));
            }
            NDArray m = null;
            if (mask != null) {
                m = manager.create(Arrays.copyOfRange(mask, from * positions, (from + n) * positions),
                        new Shape(n, positions));
            }
            chunks.add(new ProbeChunk(from, n, arrays, m));
        }
        return chunks;
    }

    private static ByteBuffer direct(ByteBuffer bytes) {
        ByteBuffer d = ByteBuffer.allocateDirect(bytes.remaining()).order(ByteOrder.nativeOrder());
        d.put(bytes.duplicate());
        d.flip();
        return d;
    }

    private String computeFingerprint() {
        MessageDigest sha = Fingerprints.start("driftwatch-probe-set/v1");
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(size()).putInt(inputs.size());
        sha.update(header.array());
        for (ProbeInput in : inputs) {
            Fingerprints.text(sha, in.dataType().name());
            Fingerprints.text(sha, in.exampleShape().toString());
            sha.update(in.data().duplicate());
        }
        Fingerprints.text(sha, "mask:" + (mask == null ? "none" : positions));
        if (mask != null) {
            ByteBuffer mb = ByteBuffer.allocate(mask.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            mb.asFloatBuffer().put(mask);
            sha.update(mb);
        }
        for (String s : slices) {
            Fingerprints.text(sha, s);
        }
        return Fingerprints.hex(sha);
    }


    private static List<String> names(int n, IntFunction<String> name) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(name.apply(i));
        }
        return out;
    }

    /** Collects the inputs and labels of a {@link ProbeSet}. */
    public static final class Builder {
        private final List<ProbeInput> inputs = new ArrayList<>();
        private float[] mask;
        private int positions = 1;
        private List<String> ids;
        private List<String> slices;
        private long[] targets;

        private Builder() {}

        /**
         * Gives every example its target, so that the task loss and accuracy of the base and of the
         * fine-tuned model, and their difference (forgetting), are measured too: a class label per
         * example for classifiers, or the target token id at every position for sequence probes (read
         * only where the mask scores the position). The targets are not part of the
         * {@link #fingerprint()}: a run with labels stays comparable to one without.
         *
         * @param targets {@code N} class labels, or {@code N * T} token ids row-major, each >= 0 where scored
         * @return this builder
         */
        public Builder optTargets(long[] targets) {
            this.targets = targets.clone();
            return this;
        }

        /**
         * Gives every example of a classifier probe set its class label (see {@link #optTargets(long[])}).
         *
         * @param labels {@code N} class labels, e.g. as the float labels a DJL dataset holds
         * @return this builder
         */
        public Builder optLabels(float[] labels) {
            long[] t = new long[labels.length];
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] != Math.rint(labels[i])) {
                    throw new IllegalArgumentException("label " + i + " is not a whole number: " + labels[i]);
                }
                t[i] = (long) labels[i];
            }
            this.targets = t;
            return this;
        }

        private void checkTargets(int n) {
            if (targets.length != (long) n * positions) {
                throw new IllegalArgumentException("targets has " + targets.length + " values for " + n
                        + " examples x " + positions + " positions");
            }
            for (int k = 0; k < targets.length; k++) {
                boolean scored = mask == null || mask[k] != 0;
                if (scored && targets[k] < 0) {
                    throw new IllegalArgumentException("target of example " + k / positions + " at position "
                            + k % positions + " is negative: " + targets[k]);
                }
            }
        }

        /**
         * Adds a float32 input.
         *
         * @param name the input's name
         * @param data row-major values of all examples, {@code N * exampleShape.size()}
         * @param exampleShape the shape of one example
         * @return this builder
         */
        public Builder addInput(String name, float[] data, Shape exampleShape) {
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data);
            return addInput(new ProbeInput(name, DataType.FLOAT32, exampleShape, b));
        }

        /**
         * Adds an int32 input (e.g. token ids).
         *
         * @param name the input's name
         * @param data row-major values of all examples
         * @param exampleShape the shape of one example
         * @return this builder
         */
        public Builder addInput(String name, int[] data, Shape exampleShape) {
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(data);
            return addInput(new ProbeInput(name, DataType.INT32, exampleShape, b));
        }

        /**
         * Adds an int64 input (e.g. token ids for embeddings that want longs).
         *
         * @param name the input's name
         * @param data row-major values of all examples
         * @param exampleShape the shape of one example
         * @return this builder
         */
        public Builder addInput(String name, long[] data, Shape exampleShape) {
            ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(data);
            return addInput(new ProbeInput(name, DataType.INT64, exampleShape, b));
        }

        /**
         * Adds an input copied from an array whose first axis is the example axis.
         *
         * @param name the input's name
         * @param batched {@code [N, ...]}
         * @return this builder
         */
        public Builder addInput(String name, NDArray batched) {
            Shape shape = batched.getShape();
            if (shape.dimension() < 1) {
                throw new IllegalArgumentException("probe input " + name + " needs an example axis: " + shape);
            }
            ByteBuffer b = ByteBuffer.wrap(batched.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            return addInput(new ProbeInput(name, batched.getDataType(), shape.slice(1), b));
        }

        /**
         * Adds an input.
         *
         * @param input the input tensor of all examples
         * @return this builder
         */
        public Builder addInput(ProbeInput input) {
            inputs.add(input);
            return this;
        }

        /**
         * Makes this a sequence probe set: {@code mask[i][t]} is 1 when position t of example i's model
         * output is scored and 0 when not (padding, prompt). Every example needs a scored position.
         *
         * @param mask {@code [N][T]}
         * @return this builder
         */
        public Builder optMask(float[][] mask) {
            int t = mask.length == 0 ? 0 : mask[0].length;
            float[] flat = new float[mask.length * t];
            for (int i = 0; i < mask.length; i++) {
                if (mask[i].length != t) {
                    throw new IllegalArgumentException("the mask must be [N][T] with rows of equal length: row 0 has "
                            + t + " positions, row " + i + " has " + mask[i].length);
                }
                System.arraycopy(mask[i], 0, flat, i * t, t);
            }
            return optMask(flat, t);
        }

        /**
         * Makes this a sequence probe set, with a row-major mask.
         *
         * @param mask {@code N * positions} values, 1 for scored positions and 0 for the others
         * @param positions T, the length of the model output's sequence axis
         * @return this builder
         */
        public Builder optMask(float[] mask, int positions) {
            if (positions < 1 || mask.length % positions != 0) {
                throw new IllegalArgumentException("the mask must hold N x T values (row-major [N, T]) with T = "
                        + positions + " >= 1; given " + mask.length + " values");
            }
            this.mask = mask.clone();
            this.positions = positions;
            return this;
        }

        /**
         * Sets the example ids (default: the index as text).
         *
         * @param ids N ids
         * @return this builder
         */
        public Builder optIds(List<String> ids) {
            this.ids = List.copyOf(ids);
            return this;
        }

        /**
         * Sets the slice label of each example (default {@value #DEFAULT_SLICE}).
         *
         * @param slices N labels such as {@code on-task} or {@code off-task/general}
         * @return this builder
         */
        public Builder optSlices(List<String> slices) {
            this.slices = List.copyOf(slices);
            return this;
        }

        /**
         * Builds the probe set.
         *
         * @return the probe set
         * @throws IllegalArgumentException when the inputs, mask, ids and slices disagree on N
         */
        public ProbeSet build() {
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("a probe set needs at least one input");
            }
            int n = inputs.get(0).count();
            if (n < 1) {
                throw new IllegalArgumentException("a probe set needs at least one example");
            }
            for (ProbeInput in : inputs) {
                if (in.count() != n) {
                    throw new IllegalArgumentException("input " + in.name() + " has " + in.count()
                            + " examples, the first input has " + n);
                }
            }
            if (mask != null) {
                if (mask.length != n * positions) {
                    throw new IllegalArgumentException("the mask must be [N, T] = [" + n + ", " + positions
                            + "] (one row per probe example); given " + mask.length + " values, "
                            + (mask.length / positions) + " rows");
                }
                for (int i = 0; i < n; i++) {
                    float scored = 0;
                    for (int t = 0; t < positions; t++) {
                        float v = mask[i * positions + t];
                        if (v != 0 && v != 1) {
                            throw new IllegalArgumentException("mask values must be 0 or 1; given " + v
                                    + " at example " + i + ", position " + t);
                        }
                        scored += v;
                    }
                    if (scored == 0) {
                        throw new IllegalArgumentException("example " + i + " has no scored position");
                    }
                }
            }
            List<String> idList = ids != null ? ids : names(n, Integer::toString);
            List<String> sliceList = slices != null ? slices : names(n, i -> DEFAULT_SLICE);
            check("ids", idList, n, 256);
            check("slices", sliceList, n, 128);
            if (firstRepeated(idList) != null) {
                throw new IllegalArgumentException("probe ids must be unique");
            }
            checkSliceCount(sliceList);
            if (targets != null) {
                checkTargets(n);
            }
            return new ProbeSet(inputs, mask, positions, idList, sliceList, targets == null ? null : targets.clone());
        }

        private static void check(String what, List<String> values, int n, int maxLength) {
            if (values.size() != n) {
                throw new IllegalArgumentException(what + " has " + values.size() + " entries for " + n + " examples");
            }
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i);
                if (v == null || v.isEmpty() || v.length() > maxLength) {
                    throw new IllegalArgumentException(what + " entries must be 1-" + maxLength + " characters: " + v);
                }
                String problem = WireText.problem(v);
                if (problem != null) {
                    // the service refuses such text, and with it every checkpoint that names the example
                    throw new IllegalArgumentException(what + "[" + i + "] " + problem);
                }
            }
        }
    }
}
