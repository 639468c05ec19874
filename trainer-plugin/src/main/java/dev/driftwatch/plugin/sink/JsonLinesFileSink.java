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
 * when written, so a crash loses at most the line being written. Write failures are logged once and
 * never thrown; the sink then stays quiet. Written through a plain file stream, not a channel: a
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
    private boolean failed;
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
        return !failed;
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void close() {
        closed = true;
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                logger.warn("driftwatch: could not close {}: {}", file, e.toString());
            }
            out = null;
        }
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
        if (failed) {
            return;
        }
        try {
            if (out == null) {
                if (file.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                }
                out = new FileOutputStream(file.toFile(), true);
            }
            // the whole line in one write: a crash loses at most this line
            out.write((WireJson.toLine(record) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | RuntimeException e) {
            failed = true;
            logger.warn("driftwatch: cannot write {}; further records are dropped: {}", file, e.toString());
        }
    }
}
