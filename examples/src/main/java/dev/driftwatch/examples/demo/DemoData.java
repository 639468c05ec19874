package dev.driftwatch.examples.demo;

import dev.driftwatch.examples.data.FashionMnist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * The images the demo trains and probes on: Fashion-MNIST from local IDX files, or, when they are
 * missing, a synthetic stand-in with the same shape (ten classes of noisy 28x28 patterns) so that the
 * demo still runs end to end.
 *
 * @param train the training split
 * @param test the test split (probes and validation come from here)
 * @param synthetic true when the files were missing and the data is made up
 * @param source where the data came from, for messages
 */
public record DemoData(FashionMnist.Split train, FashionMnist.Split test, boolean synthetic, String source) {

    /** The Debian package that installs the files into {@link FashionMnist#DEFAULT_DIRECTORY}. */
    public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";

    /**
     * Loads Fashion-MNIST from a directory, or makes synthetic data when its files are missing.
     *
     * @param directory the directory with {@code train-images-idx3-ubyte.gz} etc.
     * @param trainLimit the most training images to load
     * @param testLimit the most test images to load
     * @param seed the seed of the synthetic data
     * @return the data
     */
    public static DemoData loadOrSynthesize(Path directory, int trainLimit, int testLimit, long seed) {
        if (FashionMnist.isAvailable(directory)) {
            return load(directory, trainLimit, testLimit);
        }
        return synthetic(trainLimit, testLimit, seed);
    }

    /**
     * Loads Fashion-MNIST.
     *
     * @param directory the directory with the IDX files
     * @param trainLimit the most training images to load
     * @param testLimit the most test images to load
     * @return the data
     * @throws UncheckedIOException when a file is missing or malformed
     */
    public static DemoData load(Path directory, int trainLimit, int testLimit) {
        try {
            return new DemoData(FashionMnist.load(directory, true, trainLimit),
                    FashionMnist.load(directory, false, testLimit), false, "Fashion-MNIST from " + directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Fashion-MNIST from " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes a synthetic ten-class image task: each class is a fixed random blob pattern, each image
     * that pattern plus pixel noise and a random brightness. Deterministic for a seed.
     *
     * @param trainCount training images
     * @param testCount test images
     * @param seed the seed
     * @return the data
     */
    public static DemoData synthetic(int trainCount, int testCount, long seed) {
        Random random = new Random(seed);
        // Like the tops of Fashion-MNIST, the on-task classes share a shape and differ in one detail,
        // so telling them apart is a task worth fine-tuning for.
        float[] tops = blobs(new float[FashionMnist.PIXELS], 4, 5, random);
        float[][] prototypes = new float[DemoModel.CLASSES][];
        for (int c = 0; c < prototypes.length; c++) {
            prototypes[c] = DemoTask.ON_TASK_CLASSES.contains(c) ? blobs(tops.clone(), 1, 2, random)
                    : blobs(new float[FashionMnist.PIXELS], 4, 5, random);
        }
        return new DemoData(sample(prototypes, trainCount, random), sample(prototypes, testCount, random), true,
                "synthetic data (seed " + seed + ")");
    }

    /** Adds {@code count} Gaussian blobs of radius {@code radius} to {@code radius * 1.6} to an image. */
    private static float[] blobs(float[] image, int count, double radius, Random random) {
        for (int blob = 0; blob < count; blob++) {
            int cx = 4 + random.nextInt(20);
            int cy = 4 + random.nextInt(20);
            double r = radius * (1 + random.nextDouble() * 0.6);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double d = Math.hypot(x - cx, y - cy) / r;
                    image[y * 28 + x] = (float) Math.min(1, image[y * 28 + x] + Math.exp(-d * d));
                }
            }
        }
        return image;
    }

    private static FashionMnist.Split sample(float[][] prototypes, int count, Random random) {
        float[] images = new float[count * FashionMnist.PIXELS];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(prototypes.length);
            labels[i] = label;
            // Classes overlap a little (a share of a neighbour's pattern), so the task is not trivial.
            float[] neighbour = prototypes[(label + 1) % prototypes.length];
            double mix = random.nextDouble() * 0.6;
            double brightness = 0.6 + random.nextDouble() * 0.4;
            for (int p = 0; p < FashionMnist.PIXELS; p++) {
                double v = brightness * ((1 - mix) * prototypes[label][p] + mix * neighbour[p])
                        + random.nextGaussian() * 0.6;
                images[i * FashionMnist.PIXELS + p] = (float) Math.max(0, Math.min(1, v));
            }
        }
        return new FashionMnist.Split(images, labels);
    }

    /**
     * Returns a human-readable class name.
     *
     * @param label 0-9
     * @return the Fashion-MNIST name, or {@code class-<label>} for synthetic data
     */
    public String className(int label) {
        return synthetic ? "class-" + label : FashionMnist.CLASS_NAMES[label];
    }
}
