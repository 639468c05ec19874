package dev.driftwatch.examples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST from local IDX files (e.g. the Debian package's {@code /usr/share/datasets/fashion-mnist}),
 * as plain arrays: images scaled to [0, 1] and integer labels 0-9. Nothing is downloaded.
 *
 * <pre>
 * FashionMnist.Split train = FashionMnist.load(FashionMnist.DEFAULT_DIRECTORY, true, 5000);
 * float[] pixels = train.images();  // count * 784
 * </pre>
 */
public final class FashionMnist {

    /** Where the Debian package installs the files. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
    /** Pixels per image. */
    public static final int PIXELS = 28 * 28;
    /** The class names, by label. */
    public static final String[] CLASS_NAMES = {
        "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"
    };

    private FashionMnist() {}

    /**
     * Images and labels of one split.
     *
     * @param images row-major pixels in [0, 1], {@code count * 784}
     * @param labels labels 0-9
     */
    public record Split(float[] images, int[] labels) {
        /**
         * Returns the number of images.
         *
         * @return the count
         */
        public int count() {
            return labels.length;
        }
    }

    /**
     * Tells whether the files of both splits are present in a directory.
     *
     * @param directory the directory
     * @return true when all four files exist
     */
    public static boolean isAvailable(Path directory) {
        return Files.isRegularFile(file(directory, true, true)) && Files.isRegularFile(file(directory, true, false))
                && Files.isRegularFile(file(directory, false, true)) && Files.isRegularFile(file(directory, false, false));
    }

    /**
     * Loads (the first {@code limit} examples of) a split.
     *
     * @param directory the directory with {@code train-images-idx3-ubyte.gz} etc.
     * @param train true for the training split, false for the test split
     * @param limit the most examples to load
     * @return the split
     * @throws IOException when the files are missing or malformed
     */
    public static Split load(Path directory, boolean train, int limit) throws IOException {
        IdxReader.UnsignedBytes images = IdxReader.read(file(directory, train, true), limit);
        IdxReader.UnsignedBytes labels = IdxReader.read(file(directory, train, false), limit);
        if (images.count() != labels.count() || images.data().length != images.count() * PIXELS) {
            throw new IOException("Fashion-MNIST files in " + directory + " do not match: " + images.count()
                    + " images, " + labels.count() + " labels");
        }
        float[] pixels = new float[images.data().length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = images.data()[i] / 255f;
        }
        return new Split(pixels, labels.data());
    }

    private static Path file(Path directory, boolean train, boolean images) {
        String prefix = train ? "train" : "t10k";
        String name = images ? prefix + "-images-idx3-ubyte" : prefix + "-labels-idx1-ubyte";
        Path gz = directory.resolve(name + ".gz");
        return Files.exists(gz) || !Files.exists(directory.resolve(name)) ? gz : directory.resolve(name);
    }
}
