package dev.driftwatch.examples.demo;

import ai.djl.ndarray.types.Shape;
import dev.driftwatch.examples.data.FashionMnist;
import dev.driftwatch.plugin.probe.ProbeSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The demo's fine-tuning task and probe set. The base model knows all ten classes; fine-tuning
 * trains only on the four kinds of tops (t-shirt, pullover, coat, shirt), which the base confuses
 * most. The probe set holds test images of every class: the tops are the {@value #ON_TASK} slice,
 * footwear and the rest are off-task slices, where any drift is forgetting.
 */
public final class DemoTask {

    /** The slice of the fine-tuning classes. */
    public static final String ON_TASK = ProgressPrinter.ON_TASK;
    /** The slice of sandals, sneakers and ankle boots. */
    public static final String OFF_TASK_FOOTWEAR = "off-task/footwear";
    /** The slice of trousers, dresses and bags. */
    public static final String OFF_TASK_OTHER = "off-task/other";
    /** The fine-tuning classes: t-shirt, pullover, coat, shirt. */
    public static final Set<Integer> ON_TASK_CLASSES = Set.of(0, 2, 4, 6);
    private static final Set<Integer> FOOTWEAR = Set.of(5, 7, 9);
    /** Pretraining keeps one in this many on-task images. */
    static final int PRETRAIN_ON_TASK_EVERY = 10;

    /**
     * Labelled images picked from a split.
     *
     * @param images row-major pixels, {@code count * 784}
     * @param labels labels as floats (what the loss wants)
     * @param indices where each image sits in its split
     */
    public record Examples(float[] images, float[] labels, int[] indices) {
        /**
         * Returns the number of images.
         *
         * @return the count
         */
        public int count() {
            return labels.length;
        }
    }

    private DemoTask() {}

    /**
     * Returns the slice label of a class.
     *
     * @param label 0-9
     * @return {@value #ON_TASK}, {@value #OFF_TASK_FOOTWEAR} or {@value #OFF_TASK_OTHER}
     */
    public static String sliceOf(int label) {
        if (ON_TASK_CLASSES.contains(label)) {
            return ON_TASK;
        }
        return FOOTWEAR.contains(label) ? OFF_TASK_FOOTWEAR : OFF_TASK_OTHER;
    }

    /**
     * The base's pretraining images: among the first {@code pretrainImages} of the training split, all
     * off-task images and only one in {@value #PRETRAIN_ON_TASK_EVERY} on-task ones, so the base knows
     * the tops only roughly and fine-tuning has something to learn.
     *
     * @param data the data
     * @param config the sizes
     * @return the examples
     */
    public static Examples pretraining(DemoData data, DemoConfig config) {
        int[] seen = new int[1];
        return pick(data.train(), 0, config.pretrainImages(), Integer.MAX_VALUE,
                label -> !ON_TASK_CLASSES.contains(label) || seen[0]++ % PRETRAIN_ON_TASK_EVERY == 0);
    }

    /**
     * The fine-tuning images: on-task training images after the pretraining ones.
     *
     * @param data the data
     * @param config the sizes
     * @return the examples
     */
    public static Examples fineTuning(DemoData data, DemoConfig config) {
        return pick(data.train(), config.pretrainImages(), Integer.MAX_VALUE, config.fineTuneImages(),
                label -> ON_TASK_CLASSES.contains(label));
    }

    /**
     * The validation images: on-task test images after the probe images.
     *
     * @param data the data
     * @param config the sizes
     * @return the examples
     */
    public static Examples validation(DemoData data, DemoConfig config) {
        Set<Integer> probes = probeIndices(data, config);
        FashionMnist.Split test = data.test();
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < test.count() && picked.size() < config.validationImages(); i++) {
            if (ON_TASK_CLASSES.contains(test.labels()[i]) && !probes.contains(i)) {
                picked.add(i);
            }
        }
        return copy(test, picked);
    }

    /**
     * The probe set: the first {@code probesPerClass} test images of every class, each labelled with
     * its slice and identified as {@code test-<index> (<class>)}.
     *
     * @param data the data
     * @param config the sizes
     * @return the probes
     */
    public static ProbeSet probes(DemoData data, DemoConfig config) {
        List<Integer> picked = new ArrayList<>(probeIndices(data, config));
        picked.sort(null);
        Examples e = copy(data.test(), picked);
        List<String> ids = new ArrayList<>();
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < e.count(); i++) {
            int label = (int) e.labels()[i];
            ids.add("test-" + e.indices()[i] + " (" + data.className(label) + ")");
            slices.add(sliceOf(label));
        }
        // the labels let the listener measure task loss, accuracy and forgetting per slice
        return ProbeSet.builder().addInput("image", e.images(), DemoModel.INPUT).optIds(ids).optSlices(slices)
                .optLabels(e.labels()).build();
    }

    private static Set<Integer> probeIndices(DemoData data, DemoConfig config) {
        int[] perClass = new int[DemoModel.CLASSES];
        Set<Integer> out = new java.util.LinkedHashSet<>();
        int[] labels = data.test().labels();
        for (int i = 0; i < labels.length; i++) {
            if (perClass[labels[i]] < config.probesPerClass()) {
                perClass[labels[i]]++;
                out.add(i);
            }
        }
        return out;
    }

    private static Examples pick(FashionMnist.Split split, int from, int to, int limit, IntPredicate label) {
        List<Integer> picked = new ArrayList<>();
        for (int i = from; i < Math.min(to, split.count()) && picked.size() < limit; i++) {
            if (label.test(split.labels()[i])) {
                picked.add(i);
            }
        }
        if (picked.isEmpty()) {
            throw new IllegalArgumentException("no images left from index " + from + " of a split of " + split.count());
        }
        return copy(split, picked);
    }

    private static Examples copy(FashionMnist.Split split, List<Integer> picked) {
        float[] images = new float[picked.size() * FashionMnist.PIXELS];
        float[] labels = new float[picked.size()];
        int[] indices = new int[picked.size()];
        for (int k = 0; k < picked.size(); k++) {
            int i = picked.get(k);
            System.arraycopy(split.images(), i * FashionMnist.PIXELS, images, k * FashionMnist.PIXELS,
                    FashionMnist.PIXELS);
            labels[k] = split.labels()[i];
            indices[k] = i;
        }
        return new Examples(images, labels, indices);
    }

    /**
     * Returns the shape of a batch of {@code n} images.
     *
     * @param n the batch size
     * @return {@code [n, 784]}
     */
    static Shape batchShape(int n) {
        return new Shape(n).addAll(DemoModel.INPUT);
    }
}
