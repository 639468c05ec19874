package dev.driftwatch.plugin.sink;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import dev.driftwatch.plugin.report.DriftSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every record to a JSON-lines file ({@link dev.driftwatch.contract.WireJson#toLine}, one record per line), the
 * offline format that {@code driftwatch-upload} sends to the service later. Each line is flushed
 * when written, so a crash loses at most the line being written. Write failures are logged once and
 * never thrown; the sink then stays quiet.
 */
public class JsonLinesFileSink implements DriftSink {

    private static final Logger logger = LoggerFactory.getLogger(JsonLinesFileSink.class);

    private final Path file;
    private BufferedWriter writer;
    private boolean failed;
    private boolean closed;

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
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                logger.warn("driftwatch: could not close {}: {}", file, e.toString());
            }
            writer = null;
        }
    }

    private synchronized void write(WireRecord record) {
        if (failed || closed) {
            return;
        }
        try {
            if (writer == null) {
                if (file.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                }
                writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
            writer.write(WireJson.toLine(record));
            writer.write('\n');
            writer.flush();
        } catch (IOException | RuntimeException e) {
            failed = true;
            logger.warn("driftwatch: cannot write {}; further records are dropped: {}", file, e.toString());
        }
    }
}
