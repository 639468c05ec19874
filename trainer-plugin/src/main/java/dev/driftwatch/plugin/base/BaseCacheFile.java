package dev.driftwatch.plugin.base;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A file that keeps a captured {@link BaseDistribution}, so several fine-tuning runs from one base
 * model and one probe set measure against the same base without running it again.
 *
 * <p>The file name and its header carry the key: the base-model and probe-set fingerprints, the
 * temperature, the batch size of the chunks and the memory settings. A file whose header does not
 * match is ignored. Layout: a UTF header line of key fields, the per-example entropies, then each
 * chunk's arrays in DJL's {@link NDList#encode() NDList encoding}. Files are written to a temporary
 * name and moved into place, so a reader never sees half a file. The header also records whether the base's
 * output had {@code -Inf} logits (classes it rules out), which a meter otherwise learns only from its forward
 * passes.
 */
public final class BaseCacheFile {

    private static final String MAGIC = "driftwatch-base/v4";

    private final Path file;
    private final String key;

    /**
     * A base read from the cache.
     *
     * @param base the base distributions
     * @param masked whether the base's output had {@code -Inf} logits
     */
    public record Entry(BaseDistribution base, boolean masked) {}

    /**
     * Creates the cache entry for a key.
     *
     * @param directory the cache directory
     * @param baseFingerprint SHA-256 of the base parameters
     * @param probeFingerprint SHA-256 of the probe set
     * @param temperature the softmax temperature
     * @param batchSize the probe chunk size
     * @param budgetBytes the memory budget
     * @param topK k for the top-k approximation
     * @param tailSamples m, the sampled tail classes
     * @param seed the seed of the tail samples
     */
    public BaseCacheFile(Path directory, String baseFingerprint, String probeFingerprint, double temperature,
            int batchSize, long budgetBytes, int topK, int tailSamples, long seed) {
        this.key = String.join("|", MAGIC, baseFingerprint, probeFingerprint,
                String.format(Locale.ROOT, "t=%s", Double.toString(temperature)), "b=" + batchSize,
                "m=" + budgetBytes, "k=" + topK,
                "tail=" + tailSamples, "seed=" + seed);
        String settings = Integer.toHexString(key.hashCode());
        this.file = directory.resolve("base-" + baseFingerprint.substring(0, 16) + "-"
                + probeFingerprint.substring(0, 16) + "-" + settings + ".dwbase");
    }

    /**
     * Returns the file's path.
     *
     * @return the path
     */
    public Path path() {
        return file;
    }

    /**
     * Reads the cached base when a file with this key exists.
     *
     * @param manager the manager that will own the arrays
     * @return the base, or empty when there is no matching file
     * @throws IOException when the file exists but cannot be read
     */
    public Optional<Entry> read(NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        long size = Files.size(file);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (!key.equals(in.readUTF())) {
                return Optional.empty();
            }
            int topK = in.readInt();
            int tailSamples = in.readInt();
            int classes = in.readInt();
            double temperature = in.readDouble();
            boolean masked = in.readBoolean();
            // every length is checked against the file's size before anything is made that big: a damaged length
            // would otherwise ask for gigabytes (an OutOfMemoryError, or real memory taken on a large heap)
            double[] entropy = new double[length(in.readInt(), Double.BYTES, size, "entropies")];
            for (int i = 0; i < entropy.length; i++) {
                entropy[i] = in.readDouble();
            }
            int count = length(in.readInt(), Integer.BYTES, size, "chunks");
            List<NDList> chunks = new ArrayList<>(count);
            try {
                for (int c = 0; c < count; c++) {
                    byte[] bytes = new byte[length(in.readInt(), 1, size, "bytes of a chunk")];
                    in.readFully(bytes);
                    chunks.add(NDList.decode(manager, bytes));
                }
            } catch (IOException | RuntimeException e) {
                chunks.forEach(NDList::close);
                throw e;
            }
            return Optional.of(new Entry(new BaseDistribution(topK, tailSamples, classes, temperature, chunks, entropy),
                    masked));
        }
    }

    /** A length read from the file, when {@code length} items of {@code bytes} each can be in it at all. */
    private int length(int length, int bytes, long fileSize, String what) throws IOException {
        if (length < 0 || (long) length * bytes > fileSize) {
            throw new IOException("damaged base cache " + file + ": " + length + " " + what + " in a file of "
                    + fileSize + " bytes");
        }
        return length;
    }

    /**
     * Writes a base to the cache.
     *
     * @param base the captured base
     * @param masked whether the base's output had {@code -Inf} logits
     * @throws IOException when the file cannot be written
     */
    public void write(BaseDistribution base, boolean masked) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (DataOutputStream out =
                    new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.writeUTF(key);
                out.writeInt(base.topK());
                out.writeInt(base.tailSamples());
                out.writeInt(base.classes());
                out.writeDouble(base.temperature());
                out.writeBoolean(masked);
                double[] entropy = base.entropy();
                out.writeInt(entropy.length);
                for (double e : entropy) {
                    out.writeDouble(e);
                }
                out.writeInt(base.chunks().size());
                for (NDList chunk : base.chunks()) {
                    byte[] bytes = chunk.encode();
                    out.writeInt(bytes.length);
                    out.write(bytes);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
