package dev.driftwatch.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST family's format: a magic number giving the element type and rank, the
 * dimensions as big-endian ints, then the elements), gzip-compressed or not, with no download.
 */
public final class IdxReader {

    private IdxReader() {}

    /**
     * An IDX array of unsigned bytes.
     *
     * @param dims the dimensions, e.g. {@code [60000, 28, 28]}
     * @param data the elements, row-major, as unsigned values 0..255
     */
    public record UnsignedBytes(int[] dims, int[] data) {
        /**
         * Returns the number of items (the first dimension).
         *
         * @return the count
         */
        public int count() {
            return dims[0];
        }
    }

    /**
     * Reads an unsigned-byte IDX file ({@code .gz} is decompressed).
     *
     * @param file the file
     * @param limit the most items (first-dimension entries) to read
     * @return the array
     * @throws IOException when the file cannot be read or is not an unsigned-byte IDX file
     */
    public static UnsignedBytes read(Path file, int limit) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz")
                        ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw, 1 << 16);
                DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != 0x08) {
                throw new IOException(file + " is not an unsigned-byte IDX file (magic " + Integer.toHexString(magic) + ")");
            }
            int rank = magic & 0xFF;
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = data.readInt();
            }
            dims[0] = Math.min(dims[0], limit);
            long total = 1;
            for (int d : dims) {
                total *= d;
            }
            byte[] bytes = new byte[Math.toIntExact(total)];
            data.readFully(bytes);
            int[] values = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                values[i] = bytes[i] & 0xFF;
            }
            return new UnsignedBytes(dims, values);
        }
    }
}
