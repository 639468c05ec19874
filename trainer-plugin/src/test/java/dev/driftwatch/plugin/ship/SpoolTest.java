package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.WireJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    @TempDir
    Path dir;

    private static List<Long> steps(List<Spool.Line> lines) {
        return lines.stream().map(l -> ((CheckpointReport) WireJson.fromLine(l.text())).step()).toList();
    }

    private static String line(long step) {
        return WireJson.toLine(Records.checkpoint("run-1", step));
    }

    @Test
    void startsANewFileWithTheRunAndReadsBackInOrder() throws Exception {
        Spool spool = new Spool(dir);
        spool.append("run-1", WireJson.toLine(Records.run("run-1")), List.of(line(1), line(2)));
        spool.append("run-1", WireJson.toLine(Records.run("run-1")), List.of(line(3)));

        List<Spool.Line> lines = spool.readPending(spool.fileFor("run-1"), 10);

        assertThat(lines).extracting(l -> WireJson.fromLine(l.text()).getClass().getSimpleName())
                .containsExactly("RunInfo", "CheckpointReport", "CheckpointReport", "CheckpointReport");
        assertThat(lines).extracting(l -> WireJson.fromLine(l.text()))
                .filteredOn(CheckpointReport.class::isInstance)
                .extracting(r -> ((CheckpointReport) r).step()).containsExactly(1L, 2L, 3L);
        assertThat(spool.pendingLines(spool.fileFor("run-1"))).isEqualTo(4);
    }

    /**
     * Two jobs share a spool directory: one appends (its service is down) while the other replays the same
     * file, confirming and at last deleting it. Confirming checked the file's size and then deleted it, so
     * lines appended in between were lost; every write now holds the directory's lock, across processes.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void aFileAnotherProcessAppendsToWhileThisOneReplaysItLosesNothing() throws Exception {
        int count = 3000;
        Spool spool = new Spool(dir);
        spool.append("shared", null, List.of(line(1_000_000)));
        Path file = spool.fileFor("shared");
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SpoolWriterMain.class.getName(), dir.toString(), "shared", "0",
                Integer.toString(count)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        java.util.Set<Long> replayed = new java.util.TreeSet<>();
        boolean done = false;
        while (!done) {
            boolean writing = writer.isAlive();
            // a fresh reader each round, like another job's sender, so no offset is cached across the rounds
            Spool reader = new Spool(dir);
            List<Spool.Line> lines = reader.readPending(file, 50);
            for (Spool.Line l : lines) {
                replayed.add(((CheckpointReport) WireJson.fromLine(l.text())).step());
            }
            if (!lines.isEmpty()) {
                reader.confirm(file, lines.get(lines.size() - 1));
            }
            done = !writing && lines.isEmpty();
        }
        assertThat(writer.waitFor()).isZero();
        assertThat(replayed).hasSize(count + 1);
    }

    @Test
    void anotherProcessHoldingTheLockDelaysAWriteByAtMostTheLockWait() throws Exception {
        Spool spool = new Spool(dir);
        spool.append("run-1", null, List.of(line(1)));
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SpoolLockHolderMain.class.getName(), dir.toString(), "60")
                .redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            long start = System.nanoTime();
            // interrupted while it waits (a closing sink interrupts its sender): no channel closed by it
            Thread.currentThread().interrupt();

            // it waited for the holder for as long as that held on (60 s; a stopped job: forever)
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> spool.append("run-1", null, List.of(line(2))))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("stayed locked by another process");

            assertThat(Thread.interrupted()).as("the interrupt status kept").isTrue();
            java.time.Duration waited = java.time.Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).isBetween(Spool.LOCK_WAIT, Spool.LOCK_WAIT.plusSeconds(5));
        } finally {
            holder.destroyForcibly().waitFor();
        }
        spool.append("run-1", null, List.of(line(3)));
        assertThat(spool.readPending(spool.fileFor("run-1"), 10)).hasSize(2);
    }

    @Test
    void confirmedLinesAreNotReadAgainEvenByANewProcess() throws Exception {
        Spool spool = new Spool(dir);
        spool.append("run-1", null, List.of(line(1), line(2), line(3)));
        Path file = spool.fileFor("run-1");
        spool.confirm(file, spool.readPending(file, 2).get(1));

        Spool restarted = new Spool(dir);

        assertThat(steps(restarted.readPending(file, 10))).containsExactly(3L);
        assertThat(restarted.pendingFiles()).containsExactly(file);
    }

    @Test
    void aFullyConfirmedFileIsDeleted() throws Exception {
        Spool spool = new Spool(dir);
        spool.append("run-1", null, List.of(line(1)));
        Path file = spool.fileFor("run-1");

        spool.confirm(file, spool.readPending(file, 10).get(0));

        assertThat(file).doesNotExist();
        assertThat(spool.pendingFiles()).isEmpty();
    }

    @Test
    void aLineTornByACrashIsEndedSoTheNextOnesStayReadable() throws Exception {
        Path file = new Spool(dir).fileFor("run-1");
        Files.writeString(file, line(1) + "\n" + line(2).substring(0, 20), StandardCharsets.UTF_8);

        Spool spool = new Spool(dir);
        spool.append("run-1", null, List.of(line(3)));

        assertThat(spool.readPending(file, 10)).extracting(Spool.Line::text).containsExactly(line(1),
                line(2).substring(0, 20), line(3));
    }

    /**
     * A line longer than any record (40 MiB of zeros, then a newline): read with only its first
     * {@link Spool#MAX_LINE_BYTES} kept, its length and checksum those of the whole, and confirmed past (the
     * check that the file still holds it reads it in pieces too); the lines on both sides read as they are.
     */
    @Test
    void aLineLongerThanAnyRecordIsReadWithoutKeepingItWholeAndConfirmed() throws Exception {
        Spool spool = new Spool(dir);
        Path file = spool.fileFor("run-1");
        spool.append("run-1", null, List.of(line(1)));
        try (java.io.OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
            out.write(new byte[40 << 20]);
        }
        spool.append("run-1", null, List.of(line(3)));

        List<Spool.Line> lines = spool.readPending(file, 10);

        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).text()).isEqualTo(line(1));
        assertThat(lines.get(0).cut()).isFalse();
        assertThat(lines.get(1).cut()).isTrue();
        assertThat(lines.get(1).length()).isEqualTo(40 << 20);
        assertThat(lines.get(1).text()).hasSize(Spool.MAX_LINE_BYTES);
        assertThat(lines.get(2).text()).isEqualTo(line(3));
        assertThat(spool.confirm(file, lines.get(1))).isTrue();
        assertThat(spool.readPending(file, 10)).extracting(Spool.Line::text).containsExactly(line(3));
    }

    @Test
    void aLineThisProcessLeftTornIsEndedBeforeItsNextAppend() throws Exception {
        Spool spool = new Spool(dir);
        Path file = spool.fileFor("run-1");
        spool.append("run-1", null, List.of(line(1))); // the file's offset is loaded and cached from here on
        // this process's own append cut short (a full disk): the cached offset skipped the torn-line check
        Files.writeString(file, line(2).substring(0, 20), StandardOpenOption.APPEND);
        spool.append("run-1", null, List.of(line(3)));

        // on the old code the third record was glued onto the fragment, and both were set aside as unreadable
        assertThat(spool.readPending(file, 10)).extracting(Spool.Line::text).containsExactly(line(1),
                line(2).substring(0, 20), line(3));
    }

    @Test
    void aWriteThatFailsPartwayLeavesNoTornLine() throws Exception {
        // a process whose files may not grow beyond 16 KiB: its spool write fails partway, as on a full disk
        Process writer = new ProcessBuilder("bash", "-c", "ulimit -f 16 && exec \"$0\" -cp \"$1\" "
                + SpoolWriterMain.class.getName() + " \"$2\" run-1 0 1000",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), System.getProperty("java.class.path"),
                dir.toString()).redirectErrorStream(true).start();
        String output = new String(writer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(writer.waitFor()).as(output).isNotZero();
        assertThat(output).contains("File too large");
        Path file = new Spool(dir).fileFor("run-1");
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes.length).isPositive().isLessThanOrEqualTo(16 * 1024);
        // every line whole: the failed write was cut back to where it started
        assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
        for (String written : Files.readAllLines(file)) {
            assertThat(WireJson.fromLine(written)).isInstanceOf(CheckpointReport.class);
        }
    }

    @Test
    void aLineBeingWrittenIsNotRead() throws Exception {
        Spool spool = new Spool(dir);
        spool.append("run-1", null, List.of(line(1)));
        Files.writeString(spool.fileFor("run-1"), "{\"type\":", StandardOpenOption.APPEND);

        assertThat(spool.readPending(spool.fileFor("run-1"), 10)).hasSize(1);
    }

    @Test
    void aFileAnotherProcessReplayedAndStartedAgainIsReadFromItsStart() throws Exception {
        Spool mine = new Spool(dir);
        mine.append("run-1", null, List.of(line(1), line(2), line(3)));
        Path file = mine.fileFor("run-1");
        mine.confirm(file, mine.readPending(file, 2).get(1));

        Spool other = new Spool(dir);
        List<Spool.Line> rest = other.readPending(file, 10);
        other.confirm(file, rest.get(rest.size() - 1)); // replays the rest: the file is deleted
        other.append("run-1", null, List.of(line(4)));

        assertThat(steps(mine.readPending(file, 10))).containsExactly(4L);
    }

    /**
     * Two jobs share a spool: this one read a file and its request is in flight; the other replays the same
     * file, confirms it (deleting it) and spools new records of the run into a new file of the same name.
     * This one's confirmation of its old line used to delete the new file (when it was shorter than the old
     * offset) or skip its first lines (when longer). Found by an audit, in this order.
     */
    @Test
    void anOffsetThatCouldNotBeSavedStillCountsForThisJob() throws Exception {
        // the offset file cannot be written (a full disk; here a directory in its place): the replay goes on
        // from the confirmed offset held in memory instead of starting over at every round
        Spool spool = new Spool(dir);
        spool.append("run-4", null, List.of(line(1), line(2), line(3), line(4)));
        Path file = spool.fileFor("run-4");
        Files.createDirectories(file.resolveSibling("run-4.jsonl.offset").resolve("blocked"));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> spool.confirm(file, spool.readPending(file, 2).get(1)))
                .isInstanceOf(java.io.IOException.class);

        assertThat(steps(spool.readPending(file, 10))).containsExactly(3L, 4L);
    }

    @Test
    void anOffsetOfAFileAnotherJobReplacedIsNotReadFrom() throws Exception {
        // this job confirmed part of a file (its offset cached); another replays the rest, deletes the file and
        // spools more lines than that offset into a new one: they are all read, none skipped
        Spool mine = new Spool(dir);
        Spool other = new Spool(dir);
        mine.append("run-3", null, List.of(line(1), line(2), line(3)));
        Path file = mine.fileFor("run-3");
        assertThat(mine.confirm(file, mine.readPending(file, 2).get(1))).isTrue();
        List<Spool.Line> rest = other.readPending(file, 10);
        assertThat(other.confirm(file, rest.get(rest.size() - 1))).isTrue();
        other.append("run-3", null, List.of(line(10), line(11), line(12), line(13)));

        assertThat(steps(mine.readPending(file, 10))).containsExactly(10L, 11L, 12L, 13L);
    }

    @Test
    void aConfirmationForAFileAnotherJobReplacedChangesNothing() throws Exception {
        for (int newLines : new int[] {1, 8}) {
            Spool mine = new Spool(dir);
            Spool other = new Spool(dir);
            mine.append("run-2", null, List.of(line(1), line(2), line(3), line(4), line(5)));
            Path file = mine.fileFor("run-2");
            List<Spool.Line> inFlight = mine.readPending(file, 10);

            List<Spool.Line> replayed = other.readPending(file, 10);
            assertThat(other.confirm(file, replayed.get(replayed.size() - 1))).isTrue();
            assertThat(file).doesNotExist();
            List<String> fresh = new java.util.ArrayList<>();
            for (int i = 0; i < newLines; i++) {
                fresh.add(line(100 + i));
            }
            other.append("run-2", null, fresh);

            assertThat(mine.confirm(file, inFlight.get(inFlight.size() - 1))).as("%d new lines", newLines).isFalse();

            assertThat(steps(new Spool(dir).readPending(file, 100))).as("%d new lines", newLines)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(100, 100 + newLines).boxed().toList());
            List<Spool.Line> left = mine.readPending(file, 100);
            assertThat(steps(left)).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(100, 100 + newLines).boxed().toList());
            mine.confirm(file, left.get(left.size() - 1));
        }
    }

    @Test
    void rejectedLinesAreKeptApartAndNeverPending() throws Exception {
        Spool spool = new Spool(dir);
        spool.appendRejected("run-1", List.of(line(1)));

        assertThat(dir.resolve("run-1.rejected.jsonl")).hasContent(line(1));
        assertThat(spool.pendingFiles()).isEmpty();
    }

    @Test
    void runKeysBecomePortableFileNames() {
        assertThat(new Spool(dir).fileFor("fmnist:full/../x").getFileName().toString())
                .isEqualTo("fmnist_full_.._x.jsonl");
    }
}
