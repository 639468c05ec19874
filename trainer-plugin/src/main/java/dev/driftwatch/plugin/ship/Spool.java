package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.RunInfo;
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
import java.util.concurrent.TimeUnit;

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
 *
 * <p>Jobs of one project share the default directory, and each replays what the others left, so every
 * write (an append, ending a torn line, confirming and deleting a replayed file, the command line's
 * removal of an uploaded one) holds the directory's lock: a lock on its marker file across processes,
 * and a lock per directory within the JVM (file locks are held per JVM). Without it, a file one job
 * had confirmed and was deleting could lose the lines another job appended in between. Reads take no
 * lock: they read complete lines only.
 */
final class Spool {

    /** The extension of a spool file. */
    static final String EXTENSION = ".jsonl";
    /**
     * The longest line a spool file can hold for a record (twice the service's default body limit; a checkpoint
     * with 10,000 tensors is ~2 MB): a longer one (such as the zeros a power loss can leave at a file's end) is
     * read without keeping more than this of it, and set aside on replay.
     */
    static final int MAX_LINE_BYTES = 32 << 20;
    /** The extension of the file of records the service refused. */
    static final String REJECTED_EXTENSION = ".rejected.jsonl";
    private static final String OFFSET_EXTENSION = ".offset";
    /** An empty file that marks a directory as a spool, so that the CLI knows a spool file from an offline one. */
    static final String MARKER = ".driftwatch-spool";
    /** The longest wait for another process's lock on the spool directory (held for one append, normally). */
    static final java.time.Duration LOCK_WAIT = java.time.Duration.ofSeconds(2);
    private static final long LOCK_POLL_NANOS = 5_000_000;

    private final Path dir;
    /** The directories this JVM writes to, each with the lock its writers take before the file lock. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock>
            WRITERS = new java.util.concurrent.ConcurrentHashMap<>();
    /** Confirmed byte offset per spool file, loaded lazily. */
    private final Map<Path, Long> offsets = new HashMap<>();
    /** Files whose confirmed offset (in {@link #offsets}) could not be saved to their offset file. */
    private final java.util.Set<Path> unsaved = new java.util.HashSet<>();
    /** Guards this object's state: see {@link #guarded}. */
    private final java.util.concurrent.locks.ReentrantLock mutex = new java.util.concurrent.locks.ReentrantLock();
    /** Spool files {@link #pendingFiles} skipped because they could not be read (each said once). */
    private final java.util.Set<Path> unreadable = new java.util.HashSet<>();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Spool.class);

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
    void append(String runKey, String header, List<String> lines) throws IOException {
        guarded(() -> {
            createDirectory();
            return locked(dir, () -> {
                appendLocked(runKey, header, lines);
                return null;
            });
        });
    }

    private void appendLocked(String runKey, String header, List<String> lines) throws IOException {
        Path file = fileFor(runKey);
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
    void appendRejected(String runKey, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        guarded(() -> {
            createDirectory();
            return locked(dir, () -> {
                appendBytes(rejectedFileFor(runKey), sb.toString().getBytes(StandardCharsets.UTF_8));
                return null;
            });
        });
    }

    /**
     * Lists the spool files with records not yet confirmed, oldest first.
     *
     * @return the files
     * @throws IOException when the directory cannot be read
     */
    List<Path> pendingFiles() throws IOException {
        return guarded(this::pendingFilesGuarded);
    }

    private List<Path> pendingFilesGuarded() throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        Map<Path, java.nio.file.attribute.FileTime> modified = new HashMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + EXTENSION)) {
            for (Path p : stream) {
                if (p.getFileName().toString().endsWith(REJECTED_EXTENSION) || !Files.isRegularFile(p)) {
                    continue; // (a directory named like a spool file is none)
                }
                try {
                    if (pendingBytes(p) > 0) {
                        modified.put(p, Files.getLastModifiedTime(p)); // read once: a stable order to sort by
                        files.add(p);
                    }
                    unreadable.remove(p);
                } catch (IOException e) {
                    // one file this process cannot read (another user's, say) holds up none of the others
                    if (unreadable.add(p)) {
                        LOG.warn("driftwatch: skipping spool file {}, which this process cannot read: {}", p,
                                e.toString());
                    }
                }
            }
        }
        files.sort(java.util.Comparator.comparing((Path p) -> modified.get(p)).thenComparing(p -> p));
        return files;
    }

    /**
     * Tells whether a spool file has records not yet confirmed.
     *
     * @param file a spool file
     * @return true when it has
     * @throws IOException when it cannot be read
     */
    boolean hasPending(Path file) throws IOException {
        return guarded(() -> pendingBytes(file) > 0);
    }

    /**
     * Counts the lines of a spool file not yet confirmed.
     *
     * @param file a spool file
     * @return the number of lines
     * @throws IOException when it cannot be read
     */
    long pendingLines(Path file) throws IOException {
        return guarded(() -> pendingLinesGuarded(file));
    }

    private long pendingLinesGuarded(Path file) throws IOException {
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
        long offset = guarded(() -> load(file));
        List<Line> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            // the line so far: its first MAX_LINE_BYTES bytes kept, all of them in its checksum
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            LineSum sum = new LineSum();
            byte[] buf = new byte[64 * 1024];
            long pos = offset;
            int n;
            while (lines.size() < max && (n = raf.read(buf)) > 0) {
                int from = 0;
                for (int i = 0; i < n && lines.size() < max; i++) {
                    if (buf[i] == '\n') {
                        keep(current, sum, buf, from, i - from);
                        pos += i + 1 - from;
                        from = i + 1;
                        lines.add(new Line(new String(current.toByteArray(), StandardCharsets.UTF_8), pos,
                                sum.value(), sum.length()));
                        current.reset();
                        sum = new LineSum();
                    }
                }
                if (lines.size() < max) {
                    keep(current, sum, buf, from, n - from);
                    pos += n - from;
                }
            }
        }
        return lines;
    }

    /** Adds bytes to the line so far: to its checksum, and to its kept bytes while they are within the bound. */
    private static void keep(ByteArrayOutputStream current, LineSum sum, byte[] buf, int from, int count) {
        sum.update(buf, from, count);
        int room = (int) Math.min(count, Math.max(0, MAX_LINE_BYTES - current.size()));
        current.write(buf, from, room);
    }

    private void createDirectory() throws IOException {
        Files.createDirectories(dir);
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) {
            try {
                Files.createFile(marker);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another process sharing the directory made it first
            }
        }
    }

    /**
     * Tells whether a file is a run's spool file (rather than, say, an offline file of the same
     * format): a {@code .jsonl} file, not a rejected one, in a directory the spool marked, or with an
     * offset file beside it.
     *
     * @param file the file
     * @return true for a spool file
     */
    static boolean isSpoolFile(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(EXTENSION) || name.endsWith(REJECTED_EXTENSION)) {
            return false;
        }
        Path parent = file.toAbsolutePath().getParent();
        return (parent != null && Files.exists(parent.resolve(MARKER))) || Files.exists(offsetFile(file));
    }

    /**
     * Deletes a spool file (and its offset file) whose every record was acknowledged by another way
     * than replay (the command-line upload), unless it grew since it was read.
     *
     * @param file the spool file
     * @param readBytes how many bytes of it were read and acknowledged
     * @return true when it was deleted, false when it has grown (a job is still appending to it)
     * @throws IOException when it cannot be deleted
     */
    static boolean removeAcknowledged(Path file, long readBytes) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        return locked(parent, () -> {
            if (Files.exists(file) && Files.size(file) > readBytes) {
                return false;
            }
            Files.deleteIfExists(file);
            Files.deleteIfExists(offsetFile(file));
            return true;
        });
    }

    /**
     * Records that the service confirmed a spool file up to the end of a line read from it (deleting the
     * file and its offset file when everything in it is confirmed), when the file
     * still holds that line there: another process sharing the directory may have replayed and deleted the
     * file meanwhile and spooled new records into a new file of the same name, whose first bytes an offset
     * from the old one would skip (or, past its end, delete).
     *
     * @param file a spool file
     * @param last the last line confirmed, as {@link #readPending} returned it
     * @return false when the file no longer holds the line there (nothing is confirmed; the new file's
     *     lines are read from its own offset)
     * @throws IOException when the file or the offset cannot be read or saved
     */
    boolean confirm(Path file, Line last) throws IOException {
        return guarded(() -> locked(dir, () -> {
            if (!holds(file, last)) {
                offsets.remove(file);
                return false;
            }
            confirmLocked(file, last.endOffset());
            return true;
        }));
    }

    /** Whether the file's bytes before {@code last.endOffset()} are that line and its newline. */
    private static boolean holds(Path file, Line last) throws IOException {
        if (!Files.exists(file) || Files.size(file) < last.endOffset()) {
            return false;
        }
        long from = last.endOffset() - 1 - last.length();
        if (from < 0) {
            return false;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(from);
            LineSum sum = new LineSum();
            byte[] buf = new byte[64 * 1024];
            for (long left = last.length(); left > 0; ) {
                int n = (int) Math.min(buf.length, left);
                raf.readFully(buf, 0, n);
                sum.update(buf, 0, n);
                left -= n;
            }
            return raf.read() == '\n' && sum.value() == last.checksum();
        }
    }

    /** A line's checksum as it is read: the CRC-32 of its bytes and their number. */
    private static final class LineSum {
        private final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        private long length;

        void update(byte[] bytes, int from, int count) {
            crc.update(bytes, from, count);
            length += count;
        }

        long length() {
            return length;
        }

        /** The CRC-32 (the high half) and the length's low 32 bits (the low half). */
        long value() {
            return crc.getValue() << 32 | (length & 0xFFFFFFFFL);
        }
    }

    private void confirmLocked(Path file, long offset) throws IOException {
        Path offsetFile = offsetFile(file);
        if (!Files.exists(file)) {
            offsets.remove(file); // (another job replayed and deleted it meanwhile)
            return;
        }
        if (offset >= Files.size(file)) {
            Files.deleteIfExists(file);
            Files.deleteIfExists(offsetFile);
            offsets.remove(file);
            return;
        }
        offsets.put(file, offset);
        // until the offset file says it, load() trusts this offset (a full disk must not make the replay
        // start over at every round)
        unsaved.add(file);
        Path tmp = offsetFile.resolveSibling(offsetFile.getFileName() + ".tmp");
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
            out.write(Long.toString(offset).getBytes(StandardCharsets.US_ASCII));
        }
        Files.move(tmp, offsetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        unsaved.remove(file);
    }

    /**
     * The run record a run's spool file starts with, when it does.
     *
     * @param runKey the run
     * @return the run, or null when its file is missing or starts otherwise
     */
    RunInfo runOf(String runKey) { // (reads one line of one file: no state of this object)
        Path file = fileFor(runKey);
        try (java.io.BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = in.readLine();
            return first != null && dev.driftwatch.contract.WireJson.fromLine(first) instanceof RunInfo run
                    && runKey.equals(run.runKey()) ? run : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
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
        Path offsetFile = offsetFile(file);
        long saved = savedOffset(offsetFile);
        if (known != null) {
            // another process sharing the directory may have replayed the file since (its offset file then
            // says more), or deleted it and spooled new records into a new one of that name (no offset file:
            // an offset of the old one would skip the new one's first lines)
            if (known == 0 || (known == saved || unsaved.contains(file)) && Files.exists(file)
                    && Files.size(file) >= known) {
                return known;
            }
            offsets.remove(file);
        }
        long offset = Math.max(0, saved);
        if (Files.exists(file)) {
            long size = Files.size(file);
            offset = Math.min(offset, size);
            if (size > 0) {
                // (under the lock: a line another job is appending is not torn, and must not be ended)
                locked(dir, () -> {
                    endTornLine(file);
                    return null;
                });
            }
        }
        offsets.put(file, offset);
        return offset;
    }

    /** The offset an offset file holds; -1 without one, 0 for a damaged one (a harmless, idempotent replay). */
    private static long savedOffset(Path offsetFile) throws IOException {
        if (!Files.exists(offsetFile)) {
            return -1;
        }
        try {
            return Long.parseLong(Files.readString(offsetFile, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            return 0;
        } catch (IOException e) {
            return -1; // gone meanwhile, or unreadable: as if there were none
        }
    }

    private static void endTornLine(Path file) throws IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            return;
        }
        // read first: a whole file (the usual case) is never opened for writing, so one this process may only
        // read (another user's, or a read-only one) is replayed all the same
        try (RandomAccessFile read = new RandomAccessFile(file.toFile(), "r")) {
            long length = read.length();
            if (length == 0) {
                return;
            }
            read.seek(length - 1);
            if (read.read() == '\n') {
                return;
            }
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            endTornLine(raf);
        }
    }

    /** Ends the file's last line if it has no newline (a writer stopped mid-line); leaves the file at its end. */
    private static void endTornLine(RandomAccessFile raf) throws IOException {
        long length = raf.length();
        if (length > 0) {
            raf.seek(length - 1);
            if (raf.read() != '\n') {
                raf.write('\n');
            }
        }
        raf.seek(raf.length());
    }

    /**
     * Runs work on this object's state (the offsets it knows) under its lock, waited for at most
     * {@link #LOCK_WAIT}: a thread that holds it may be stuck in I/O (a hung network file system), and the
     * training thread, which spools when the send queue is full and reads the spool at close, must not wait for
     * it without end. A thread that holds the lock already just runs the work.
     *
     * @throws IOException also when the lock stays taken for {@link #LOCK_WAIT}
     */
    private <T> T guarded(LockedWork<T> work) throws IOException {
        if (!tryLock(mutex)) {
            throw new IOException("the spool " + dir + " stayed busy for " + LOCK_WAIT.toMillis()
                    + " ms (another thread of this process is still reading or writing it)");
        }
        try {
            return work.run();
        } finally {
            mutex.unlock();
        }
    }

    /** Takes a lock within {@link #LOCK_WAIT}, the thread's interrupt status set aside (a closing sink spools). */
    private static boolean tryLock(java.util.concurrent.locks.ReentrantLock lock) {
        boolean interrupted = Thread.interrupted();
        try {
            long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
            while (true) {
                try {
                    return lock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Work on a spool directory's files that must not interleave with another writer's. */
    @FunctionalInterface
    interface LockedWork<T> {
        T run() throws IOException;
    }

    /**
     * Runs a write under the directory's lock: this JVM's, then the marker file's (for other processes). A
     * thread that holds it already just runs the work. The file lock is polled for at most
     * {@link #LOCK_WAIT} (another process that holds it may be stopped or hung: its lock must not stall
     * this one's training), with the thread's interrupt status set aside (an interrupted channel would
     * close, and a closing sink must still spool).
     *
     * @throws IOException also when the lock stays taken for {@link #LOCK_WAIT}
     */
    private static <T> T locked(Path directory, LockedWork<T> work) throws IOException {
        Path marker = directory.resolve(MARKER).toAbsolutePath().normalize();
        java.util.concurrent.locks.ReentrantLock inJvm =
                WRITERS.computeIfAbsent(marker, m -> new java.util.concurrent.locks.ReentrantLock());
        if (inJvm.isHeldByCurrentThread()) {
            return work.run();
        }
        if (!tryLock(inJvm)) {
            throw new IOException("the spool directory " + directory + " stayed locked by another sink of this process"
                    + " for " + LOCK_WAIT.toMillis() + " ms");
        }
        boolean interrupted = Thread.interrupted();
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(marker,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
            java.nio.channels.FileLock taken;
            while ((taken = channel.tryLock()) == null) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the spool directory " + directory + " stayed locked by another process for "
                            + LOCK_WAIT.toMillis() + " ms (" + marker + ")");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(LOCK_POLL_NANOS);
                interrupted |= Thread.interrupted();
            }
            try (java.nio.channels.FileLock held = taken) {
                return work.run();
            }
        } finally {
            inJvm.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Path offsetFile(Path file) {
        return file.resolveSibling(file.getFileName() + OFFSET_EXTENSION);
    }

    /**
     * Appends whole lines. A line left torn by an earlier writer (a process killed mid-write) is ended
     * first, so the new lines are not glued onto it (it is then one unreadable line, set aside on
     * replay); a write that fails partway (disk full) is cut back to where it started, so it leaves no
     * torn line of its own.
     */
    private static void appendBytes(Path file, byte[] bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            endTornLine(raf);
            long start = raf.length();
            try {
                raf.write(bytes);
            } catch (IOException e) {
                try {
                    raf.setLength(start);
                } catch (IOException cut) {
                    e.addSuppressed(cut);
                }
                throw e;
            }
        }
    }

    /**
     * One complete line of a spool file.
     *
     * @param text the line without its newline; only its first {@link #MAX_LINE_BYTES} bytes when it is longer
     * @param endOffset the byte offset just after its newline
     * @param checksum the CRC-32 of its bytes (the high half) and their number (the low half), to tell
     *     it from another line at the same place in a file written anew
     * @param length the line's length in bytes, without its newline
     */
    record Line(String text, long endOffset, long checksum, long length) {

        /**
         * Whether the line is longer than any record ({@link #MAX_LINE_BYTES}): its text is then only its start.
         *
         * @return whether
         */
        boolean cut() {
            return length > MAX_LINE_BYTES;
        }
    }
}
