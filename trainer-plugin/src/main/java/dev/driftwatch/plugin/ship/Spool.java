package dev.driftwatch.plugin.ship;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The local spool: one append-only JSON-lines file per run ({@code <runKey>.jsonl}, lines written by
 * {@code WireJson.toLine}) plus a small {@code .offset} file holding how many bytes of it the
 * service has confirmed. Records are replayed from the offset, in file order; a file whose every
 * line is confirmed is deleted. Records the service refused for good go to
 * {@code <runKey>.rejected.jsonl}, kept for inspection and never replayed.
 *
 * <p>Appends come from the sender thread and, when the queue is full, from the training thread;
 * reads and offset updates only from the sender. Files are written with {@link RandomAccessFile}
 * rather than NIO channels so that an interrupted sender (the sink's close) can still spool.
 */
final class Spool {

    /** The extension of a spool file. */
    static final String EXTENSION = ".jsonl";
    /** The extension of the file of records the service refused. */
    static final String REJECTED_EXTENSION = ".rejected.jsonl";
    private static final String OFFSET_EXTENSION = ".offset";

    private final Path dir;
    /** Confirmed byte offset per spool file, loaded lazily. */
    private final Map<Path, Long> offsets = new HashMap<>();

    /**
     * Creates a spool in a directory (created when first written).
     *
     * @param dir the directory
     */
    Spool(Path dir) {
        this.dir = dir;
    }

    /**
     * Returns the spool directory.
     *
     * @return the directory
     */
    Path dir() {
        return dir;
    }

    /**
     * Returns the spool file of a run.
     *
     * @param runKey the run
     * @return its file (which may not exist)
     */
    Path fileFor(String runKey) {
        return dir.resolve(fileName(runKey) + EXTENSION);
    }

    private Path rejectedFileFor(String runKey) {
        return dir.resolve(fileName(runKey) + REJECTED_EXTENSION);
    }

    private static String fileName(String runKey) {
        // run keys are [A-Za-z0-9._:-]; ':' is not portable in file names. A collision would only put
        // two runs in one file, which replay handles: every line carries its own run key.
        return runKey == null ? "_" : runKey.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * Appends lines to a run's spool file. When the file is new, {@code header} (the run's own
     * line, if known, unless it is the first of {@code lines}) is written first so that the file can
     * be replayed or uploaded on its own.
     *
     * @param runKey the run
     * @param header the run line to start a new file with, or null
     * @param lines the records' lines, without newlines
     * @throws IOException when the file cannot be written (disk full, ...)
     */
    synchronized void append(String runKey, String header, List<String> lines) throws IOException {
        Path file = fileFor(runKey);
        Files.createDirectories(dir);
        boolean fresh = !Files.exists(file);
        StringBuilder sb = new StringBuilder();
        if (fresh && header != null && !(lines.size() > 0 && lines.get(0).equals(header))) {
            sb.append(header).append('\n');
        }
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        if (fresh) {
            offsets.put(file, 0L);
        } else {
            load(file);
        }
        appendBytes(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Keeps lines the service refused for good, for inspection.
     *
     * @param runKey the run
     * @param lines the lines
     * @throws IOException when the file cannot be written
     */
    synchronized void appendRejected(String runKey, List<String> lines) throws IOException {
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        appendBytes(rejectedFileFor(runKey), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Lists the spool files with records not yet confirmed, oldest first.
     *
     * @return the files
     * @throws IOException when the directory cannot be read
     */
    synchronized List<Path> pendingFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + EXTENSION)) {
            for (Path p : stream) {
                if (!p.getFileName().toString().endsWith(REJECTED_EXTENSION) && pendingBytes(p) > 0) {
                    files.add(p);
                }
            }
        }
        files.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return a.compareTo(b);
            }
        });
        return files;
    }

    /**
     * Tells whether a spool file has records not yet confirmed.
     *
     * @param file a spool file
     * @return true when it has
     * @throws IOException when it cannot be read
     */
    synchronized boolean hasPending(Path file) throws IOException {
        return pendingBytes(file) > 0;
    }

    /**
     * Counts the lines of a spool file not yet confirmed.
     *
     * @param file a spool file
     * @return the number of lines
     * @throws IOException when it cannot be read
     */
    synchronized long pendingLines(Path file) throws IOException {
        long count = 0;
        long offset = load(file);
        if (!Files.exists(file)) {
            return 0;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = raf.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    /**
     * Reads up to {@code max} complete lines after the confirmed offset. A line still being written
     * (no newline yet) is not returned.
     *
     * @param file a spool file
     * @param max the most lines to read
     * @return the lines with the offset just after each
     * @throws IOException when the file cannot be read
     */
    List<Line> readPending(Path file, int max) throws IOException {
        long offset;
        synchronized (this) {
            offset = load(file);
        }
        List<Line> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            long pos = offset;
            int n;
            while (lines.size() < max && (n = raf.read(buf)) > 0) {
                for (int i = 0; i < n && lines.size() < max; i++) {
                    pos++;
                    if (buf[i] == '\n') {
                        lines.add(new Line(current.toString(StandardCharsets.UTF_8), pos));
                        current.reset();
                    } else {
                        current.write(buf[i]);
                    }
                }
            }
        }
        return lines;
    }

    /**
     * Records that the service confirmed a spool file up to an offset; deletes the file (and its
     * offset file) when everything in it is confirmed.
     *
     * @param file a spool file
     * @param offset the confirmed offset, from a {@link Line}
     * @throws IOException when the offset cannot be saved
     */
    synchronized void confirm(Path file, long offset) throws IOException {
        Path offsetFile = offsetFile(file);
        if (offset >= Files.size(file)) {
            Files.deleteIfExists(file);
            Files.deleteIfExists(offsetFile);
            offsets.remove(file);
            return;
        }
        offsets.put(file, offset);
        Path tmp = offsetFile.resolveSibling(offsetFile.getFileName() + ".tmp");
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
            out.write(Long.toString(offset).getBytes(StandardCharsets.US_ASCII));
        }
        Files.move(tmp, offsetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private long pendingBytes(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        return Files.size(file) - load(file);
    }

    /** Loads a file's confirmed offset on first use; ends a line torn by a crash so it is skipped. */
    private long load(Path file) throws IOException {
        Long known = offsets.get(file);
        if (known != null) {
            // another process sharing the directory may have replayed and deleted the file since
            if (known == 0 || (Files.exists(file) && Files.size(file) >= known)) {
                return known;
            }
            offsets.remove(file);
        }
        long offset = 0;
        Path offsetFile = offsetFile(file);
        if (Files.exists(offsetFile)) {
            try {
                offset = Long.parseLong(Files.readString(offsetFile, StandardCharsets.US_ASCII).trim());
            } catch (NumberFormatException e) {
                offset = 0; // a damaged offset only causes a harmless (idempotent) replay
            }
        }
        if (Files.exists(file)) {
            long size = Files.size(file);
            offset = Math.min(offset, size);
            if (size > 0) {
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.seek(size - 1);
                    if (raf.read() != '\n') {
                        raf.seek(size);
                        raf.write('\n');
                    }
                }
            }
        }
        offsets.put(file, offset);
        return offset;
    }

    private static Path offsetFile(Path file) {
        return file.resolveSibling(file.getFileName() + OFFSET_EXTENSION);
    }

    private static void appendBytes(Path file, byte[] bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length());
            raf.write(bytes);
        }
    }

    /**
     * One complete line of a spool file.
     *
     * @param text the line without its newline
     * @param endOffset the byte offset just after its newline
     */
    record Line(String text, long endOffset) {}
}
