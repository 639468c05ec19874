package dev.driftwatch.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsGzipUnsignedByteFilesUpToALimit() throws IOException {
        Path file = dir.resolve("x-idx3-ubyte.gz");
        try (OutputStream raw = Files.newOutputStream(file);
                DataOutputStream out = new DataOutputStream(new GZIPOutputStream(raw))) {
            out.writeInt(0x00000803);
            out.writeInt(3);
            out.writeInt(2);
            out.writeInt(2);
            out.write(new byte[] {0, 1, 2, (byte) 255, 4, 5, 6, 7, 8, 9, 10, 11});
        }
        IdxReader.UnsignedBytes two = IdxReader.read(file, 2);
        assertThat(two.dims()).containsExactly(2, 2, 2);
        assertThat(two.data()).containsExactly(0, 1, 2, 255, 4, 5, 6, 7);
    }

    @Test
    void rejectsOtherFiles() throws IOException {
        Path file = dir.resolve("not-idx");
        Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThatThrownBy(() -> IdxReader.read(file, 10)).hasMessageContaining("not an unsigned-byte IDX file");
    }
}
