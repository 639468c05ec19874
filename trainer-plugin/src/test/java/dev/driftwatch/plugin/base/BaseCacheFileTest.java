package dev.driftwatch.plugin.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache file whose key matches but whose lengths are damaged (an audit's finding: a length of 2^31 - 1 asked
 * for an array past what the JVM can make, an OutOfMemoryError that got past the listener's "ignore an unreadable
 * cache", so the run was never measured): an IOException naming the damage, before anything is made that big.
 */
class BaseCacheFileTest {

    private static final String HEX = "0123456789abcdef".repeat(4);

    @TempDir
    Path dir;

    @Test
    void damagedLengthsAreAnIoExceptionNotAnAllocation() throws Exception {
        BaseCacheFile cache = new BaseCacheFile(dir, HEX, HEX, 1.0, 16, 1 << 20, 64, 0, 7);
        for (int[] lengths : new int[][] {{Integer.MAX_VALUE, 0, 0}, {-1, 0, 0}, {0, Integer.MAX_VALUE, 0},
                {0, 1, Integer.MAX_VALUE}, {0, 1, 1 << 30}}) {
            write(cache, lengths[0], lengths[1], lengths[2]);
            try (NDManager manager = NDManager.newBaseManager()) {
                assertThatThrownBy(() -> cache.read(manager)).as(java.util.Arrays.toString(lengths))
                        .isInstanceOf(IOException.class).hasMessageContaining("damaged base cache");
            }
        }
    }

    /** The header {@link BaseCacheFile#read} expects, then the entropies', chunks' and first chunk's lengths. */
    private static void write(BaseCacheFile cache, int entropies, int chunks, int chunkBytes) throws Exception {
        java.lang.reflect.Field key = BaseCacheFile.class.getDeclaredField("key");
        key.setAccessible(true);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(cache.path()))) {
            out.writeUTF((String) key.get(cache));
            out.writeInt(64);
            out.writeInt(0);
            out.writeInt(32_000);
            out.writeDouble(1.0);
            out.writeBoolean(false);
            out.writeInt(entropies);
            if (entropies == 0) {
                out.writeInt(chunks);
                if (chunks > 0) {
                    out.writeInt(chunkBytes);
                }
            }
            out.write(new byte[64]);
        }
        assertThat(Files.size(cache.path())).isLessThan(1000);
    }
}
