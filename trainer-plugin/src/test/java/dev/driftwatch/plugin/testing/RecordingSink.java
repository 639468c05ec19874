package dev.driftwatch.plugin.testing;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.plugin.report.DriftSink;
import java.util.ArrayList;
import java.util.List;

/** Keeps everything it receives, for assertions. */
public final class RecordingSink implements DriftSink {
    /** The run infos received. */
    public final List<RunInfo> runs = new ArrayList<>();
    /** The checkpoints received. */
    public final List<CheckpointReport> checkpoints = new ArrayList<>();
    /** The run ends received. */
    public final List<RunEnd> ends = new ArrayList<>();

    @Override
    public void runStarted(RunInfo run) {
        runs.add(run);
    }

    @Override
    public void checkpoint(CheckpointReport report) {
        checkpoints.add(report);
    }

    @Override
    public void runFinished(RunEnd end) {
        ends.add(end);
    }
}
