package dev.driftwatch.plugin.sink;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import dev.driftwatch.plugin.report.DriftSink;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every record to a JSON-lines file ({@link dev.driftwatch.contract.WireJson#toLine}, one record per line), the
 * offline format that {@code driftwatch-upload} sends to the service later. Each line is flushed
 * when written, so a crash loses at most the line being written. A write that fails (a full disk, a
 * network file system's hiccup) loses that record alone, logged and counted, never thrown: the next record
 * opens the file again, ending a line the failure may have left torn, and once writes succeed again the sink says how
 * many records were lost; {@link #flush} answers false from the first loss on. Written through a plain file stream, not a channel: a
 * channel is closed by an interrupt of the writing thread (a training job cancelled with
 * {@code Future.cancel(true)}), which lost the run's last checkpoint and its end.
 *
 * <p>The {@link dev.driftwatch.plugin.DriftListener} closes its sinks when training ends; a record
 * given to a closed sink is dropped with a warning (once).
 */
public class JsonLinesFileSink implements DriftSink {

    private static final Logger logger = LoggerFactory.getLogger(JsonLinesFileSink.class);

    private final Path file;
    private OutputStream out;
    /** Records lost to failed writes. */
    private long dropped;
    /** Whether the last write failed (the next one opens the file again). */
    private boolean failing;
    private boolean closed;
    private boolean warnedClosed;

    /**
     * Creates a sink that appends to a file (created with its parent directories when missing).
     *
     * @param file the JSON-lines file
     */
    public JsonLinesFileSink(Path file) {
        this.file = file;
    }

    /**
     * Returns the file written to.
     *
     * @return the path
     */
    public Path file() {
        return file;
    }

    /** {@inheritDoc} */
    @Override
    public void runStarted(RunInfo run) {
        write(run);
    }

    /** {@inheritDoc} */
    @Override
    public void checkpoint(CheckpointReport report) {
        write(report);
    }

    /** {@inheritDoc} */
    @Override
    public void runFinished(RunEnd end) {
        write(end);
    }

    /** {@inheritDoc} */
    @Override
    public synchronized boolean flush(Duration timeout) {
        return dropped == 0;
    }

    /**
     * Returns how many records were lost to failed writes.
     *
     * @return the count, 0 when every record was written
     */
    public synchronized long dropped() {
        return dropped;
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void close() {
        closed = true;
        closeFile(true);
    }

    private synchronized void write(WireRecord record) {
        if (closed) {
            if (!warnedClosed) {
                warnedClosed = true;
                logger.warn("driftwatch: {} was closed (a DriftListener closes its sinks when its training ends: use a"
                        + " new sink for each run); the {} and later records are dropped", file, record.type());
            }
            return;
        }
        try {
            byte[] line = (WireJson.toLine(record) + "\n").getBytes(StandardCharsets.UTF_8);
            if (out == null) {
                if (file.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                }
                out = new FileOutputStream(file.toFile(), true);
                if (failing) {
                    endTornLine();
                }
            }
            // the whole line in one write: a crash loses at most this line
            out.write(line);
            out.flush();
            if (failing) {
                failing = false;
                logger.warn("driftwatch: writing {} again; {} record(s) were lost meanwhile", file, dropped);
            }
        } catch (IOException | RuntimeException e) {
            dropped++;
            closeFile(false); // the next record opens the file again (a failure to close: the write failed already)
            if (!failing) {
                failing = true;
                logger.warn("driftwatch: cannot write {}: {}; the {} is lost (the next record tries again)", file,
                        e.toString(), record.type());
            }
        }
    }

    /**
     * After a failed write, a line it may have left without its newline is ended, so the next is whole: a
     * newline first (a blank line where the failure left none, which readers skip).
     */
    private void endTornLine() throws IOException {
        if (Files.size(file) > 0) {
            out.write('\n');
        }
    }

    private void closeFile(boolean warn) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                if (warn) {
                    logger.warn("driftwatch: could not close {}: {}", file, e.toString());
                }
            }
            out = null;
        }
    }
}
