package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.WireJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class UploadCliTest {

    @TempDir
    Path dir;

    private FakeService service;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        service = new FakeService().start();
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
    }

    private int run(Map<String, String> env, String... args) {
        return new UploadCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env).run(args);
    }

    private int run(String... args) {
        return run(Map.of("DRIFTWATCH_URL", service.url(), "DRIFTWATCH_PROJECT", "demo", "DRIFTWATCH_TOKEN", "dw_t"),
                args);
    }

    private Path file(int checkpoints) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(WireJson.toLine(Records.run("run-1")));
        for (int step = 0; step < checkpoints; step++) {
            lines.add(WireJson.toLine(Records.checkpoint("run-1", step)));
        }
        lines.add(WireJson.toLine(Records.end("run-1")));
        Path file = dir.resolve("run-1.jsonl");
        Files.write(file, lines);
        return file;
    }

    @Test
    void uploadsAFileInOrderAndInBatches() throws Exception {
        Path file = file(250);

        int status = run("upload", file.toString());

        assertThat(status).isZero();
        assertThat(service.acceptedRuns).containsExactly("run-1");
        assertThat(service.acceptedSteps).hasSize(250).doesNotHaveDuplicates().isSorted();
        assertThat(service.finished).hasSize(1);
        assertThat(service.seen).hasSize(1 + 3 + 1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("1 run(s), 250 checkpoint(s)", "1 run end(s)");
        assertThat(service.seen.get(0).headers()).containsEntry("Authorization", "Bearer dw_t");
    }

    @Test
    void optionsWinOverTheEnvironment() throws Exception {
        Path file = file(1);

        int status = run(Map.of("DRIFTWATCH_URL", "http://localhost:1"), "upload", file.toString(), "--url",
                service.url(), "--project", "other", "--token", "dw_x");

        assertThat(status).isZero();
        assertThat(service.seen.get(0).path()).startsWith("/api/v1/projects/other/");
        assertThat(service.seen.get(0).headers()).containsEntry("Authorization", "Bearer dw_x");
    }

    @Test
    void skipsUnreadableLinesAndSetsRefusedRecordsAside() throws Exception {
        Path file = file(3);
        Files.writeString(file, "not json\n" + Files.readString(file));
        service.invalidStep = step -> step == 1;

        int status = run("upload", file.toString());

        assertThat(status).isEqualTo(1);
        assertThat(service.acceptedSteps).containsExactly(0L, 2L);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(":1 skipped", "refused checkpoint step 1 of run run-1",
                "400");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("1 refused, 1 unreadable line(s)");
    }

    @Test
    void aSkippedLineAloneMakesTheStatusNonZero() throws Exception {
        Path file = file(3);
        Files.writeString(file, Files.readString(file) + "{\"type\":\"checkpoint\",\"runKey\":\"run-1\",\"st\n");

        int status = run("upload", file.toString());

        assertThat(status).isEqualTo(1);
        assertThat(service.acceptedSteps).containsExactly(0L, 1L, 2L);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(":" + (Files.readAllLines(file).size()) + " skipped");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("0 refused, 1 unreadable line(s)");
    }

    @Test
    void aServiceFailingOnEveryRequestStopsTheUploadAndKeepsTheFile() throws Exception {
        // a lasting 500: stop, as before, rather than try every record alone for as long again each
        service.failingEverything = true;
        Path file = file(250);

        int status = run("upload", file.toString(), "--retry-for", "1");

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("the service failed: 500", "again is safe");
        assertThat(file).exists();
        assertThat(service.seen.size()).isLessThan(20);
    }

    @Test
    void aRefusedTokenStopsTheUploadWithTheServersDetail() throws Exception {
        service.thenFail(FakeService.problem(403, "token of another project"));

        int status = run("upload", file(3).toString());

        assertThat(status).isEqualTo(1);
        assertThat(service.seen).hasSize(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("refused: 403 Refused: token of another project",
                "again is safe");
    }

    @Test
    void anUnreachableServiceFails() throws Exception {
        Path file = file(1);
        int status;
        try (ReservedPort down = new ReservedPort()) {
            status = new UploadCli(new PrintStream(out), new PrintStream(err), Map.of()).run(new String[] {"upload",
                file.toString(), "--url", down.url(), "--project", "demo", "--token", "t", "--retry-for", "0.5"});
        }

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unreachable");
    }

    @Test
    void printsTheLatestDrift() {
        service.thenFail(new MockResponse().setHeader("Content-Type", "application/json").setBody("""
                {"runKey":"run-1","status":"running","checkpointCount":12,"lastStep":1100,"latestKlMean":0.41,
                 "latestKlCiLow":0.37,"latestKlCiHigh":0.45,"latestTaskLoss":0.43,"flags":["parameter-heavy"]}"""));

        int status = run("latest", "run-1");

        assertThat(status).isZero();
        assertThat(service.seen.get(0).method()).isEqualTo("GET");
        assertThat(service.seen.get(0).path()).isEqualTo("/api/v1/projects/demo/runs/run-1");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("run run-1 (running), 12 checkpoint(s), last step 1100",
                "latest kl_base_ft 0.4100 nats/token (95% CI 0.3700 to 0.4500)", "latest task loss 0.4300",
                "flags: parameter-heavy");
    }

    @Test
    void anUnknownRunIsSaidSo() {
        int status = run("latest", "nope");

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no run nope");
    }

    @Test
    void badUsageIsExplained() {
        assertThat(run("upload")).isEqualTo(2);
        assertThat(run(Map.of("DRIFTWATCH_URL", service.url()), "latest", "x")).isEqualTo(2);
        assertThat(run("frobnicate", "x")).isEqualTo(2);
        assertThat(run()).isEqualTo(2);
        assertThat(run("upload", dir.resolve("missing.jsonl").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Missing required parameter: '<file.jsonl>'",
                "--project (or DRIFTWATCH_PROJECT) is required", "Unmatched arguments from index 0: 'frobnicate'",
                "missing command: upload or latest", "cannot read",
                "Usage: driftwatch-upload upload [-hV] [--url=URL] [--project=P] [--token=T]",
                "Try 'driftwatch-upload upload --help' for more information.",
                "Try 'driftwatch-upload --help' for more information.");
        assertThat(service.seen).isEmpty();
    }

    @Test
    void aBadValueIsRefusedNamingTheOption() throws Exception {
        Path file = file(1);

        assertThat(run("upload", file.toString(), "--retry-for", "soon")).isEqualTo(2);
        assertThat(run("upload", file.toString(), "--retry-for", "-1")).isEqualTo(2);
        assertThat(run("upload", file.toString(), "--url", "localhost:8080")).isEqualTo(2);
        assertThat(run(Map.of("DRIFTWATCH_URL", "ftp://x", "DRIFTWATCH_PROJECT", "demo", "DRIFTWATCH_TOKEN", "t"),
                "latest", "run-1")).isEqualTo(2);
        assertThat(run("upload", file.toString(), "--retry-for")).isEqualTo(2);
        assertThat(run("upload", file.toString(), "--bogus", "1")).isEqualTo(2);

        assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                "Invalid value for option '--retry-for': 'soon' is not a number of seconds from 0 to 86400",
                "Invalid value for option '--retry-for': '-1' is not a number of seconds from 0 to 86400",
                "Invalid value for option '--url': 'localhost:8080' is not an http(s) URL such as http://localhost:8080",
                "Invalid value of DRIFTWATCH_URL (for --url): 'ftp://x' is not an http(s) URL",
                "Missing required parameter for option '--retry-for' (S)",
                "Unknown option: '--bogus'");
        assertThat(service.seen).isEmpty();
    }

    @Test
    void optionsMayComeBeforeTheCommandAndFractionalSecondsAreAccepted() throws Exception {
        Path file = file(1);

        int status = run(Map.of(), "--url", service.url(), "--project", "p2", "--token", "dw_y", "--retry-for", "2.5",
                "upload", file.toString());

        assertThat(status).isZero();
        assertThat(service.seen.get(0).path()).startsWith("/api/v1/projects/p2/");
    }

    @Test
    void helpListsTheCommandsTheOptionsAndTheExitStatus() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).startsWith("Usage: driftwatch-upload [-hV] [--url=URL] [--project=P] [--token=T]")
                .contains("--url=URL", "(default: $DRIFTWATCH_URL)", "--retry-for=S", "Commands:", "upload",
                        "latest", "Exit status:", "2   bad usage");
        out.reset();

        assertThat(run("upload", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .startsWith("Usage: driftwatch-upload upload [-hV] [--url=URL] [--project=P] [--token=T]")
                .contains("<file.jsonl>...", "Idempotent");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(service.seen).isEmpty();
    }

    @Test
    void versionNamesThePluginAndTheWireContract() {
        assertThat(run("--version")).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8).strip()).matches(
                "driftwatch-upload [0-9][^ ]* \\(wire contract " + java.util.regex.Pattern.quote(
                        dev.driftwatch.contract.ContractVersion.CURRENT) + "\\)");
    }

    /** A spool file as the streaming client leaves it: run, checkpoints and end in a marked spool directory. */
    private Path spoolFile(int checkpoints) throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        List<String> lines = new ArrayList<>();
        for (int step = 0; step < checkpoints; step++) {
            lines.add(WireJson.toLine(Records.checkpoint("run-1", step)));
        }
        lines.add(WireJson.toLine(Records.end("run-1")));
        spool.append("run-1", WireJson.toLine(Records.run("run-1")), lines);
        return spool.fileFor("run-1");
    }

    @Test
    void aFullyAcknowledgedSpoolFileIsRemovedAndTheToolSaysSo() throws Exception {
        Path file = spoolFile(3);
        Files.writeString(file.resolveSibling(file.getFileName() + ".offset"), "0");

        int status = run("upload", file.toString());

        assertThat(status).isZero();
        assertThat(service.acceptedSteps).containsExactly(0L, 1L, 2L);
        assertThat(file).doesNotExist();
        assertThat(file.resolveSibling(file.getFileName() + ".offset")).doesNotExist();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(file + ": removed the spool file: the service"
                + " acknowledged all its records, so the next job will not replay it");
        // the next job with this spool directory has nothing to replay
        assertThat(new Spool(file.getParent()).pendingFiles()).isEmpty();
    }

    @Test
    void aSpoolFileWithRefusedRecordsIsKept() throws Exception {
        Path file = spoolFile(3);
        service.invalidStep = step -> step == 1;

        assertThat(run("upload", file.toString())).isEqualTo(1);

        assertThat(file).exists();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("kept the spool file: 1 record(s) refused");
    }

    @Test
    void anOfflineFileIsNeverRemoved() throws Exception {
        Path file = file(3); // written by JsonLinesFileSink's format, outside any spool directory

        assertThat(run("upload", file.toString())).isZero();

        assertThat(file).exists();
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("spool file");
    }

    @Test
    void theServiceUrlComesFromTheListenersVariableAndIsRequired() throws Exception {
        Path file = file(1);

        int status = run(Map.of("DRIFTWATCH_PROJECT", "demo", "DRIFTWATCH_TOKEN", "dw_t"), "upload", file.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--url (or DRIFTWATCH_URL) is required");
        assertThat(service.seen).isEmpty();
        // the streaming client reads the same variables
        Map<String, String> env = Map.of("DRIFTWATCH_URL", service.url(), "DRIFTWATCH_PROJECT", "demo",
                "DRIFTWATCH_TOKEN", "dw_t");
        try (HttpDriftSink sink = HttpDriftSink.builder(env).optSpoolDir(dir.resolve("sink-spool")).build()) {
            sink.runStarted(Records.run("run-env"));
            assertThat(sink.flush(java.time.Duration.ofSeconds(10))).isTrue();
        }
        assertThat(service.acceptedRuns).containsExactly("run-env");
        assertThat(service.seen.get(0).path()).startsWith("/api/v1/projects/demo/");
        assertThat(service.seen.get(0).headers()).containsEntry("Authorization", "Bearer dw_t");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpDriftSink.builder(Map.of()).build())
                .hasMessage("url is required: setUrl(...) or the environment variable DRIFTWATCH_URL");
        // a URL set in code overrides the variable, even one that is not a URL; alone, that variable is named
        Map<String, String> broken = Map.of("DRIFTWATCH_URL", "http://a b", "DRIFTWATCH_PROJECT", "demo",
                "DRIFTWATCH_TOKEN", "dw_t");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpDriftSink.builder(broken).build())
                .hasMessageStartingWith("the environment variable DRIFTWATCH_URL is not a URL: ");
        try (HttpDriftSink sink = HttpDriftSink.builder(broken).setUrl(service.url())
                .optSpoolDir(dir.resolve("sink-spool")).build()) {
            sink.runStarted(Records.run("run-set-in-code"));
            assertThat(sink.flush(java.time.Duration.ofSeconds(10))).isTrue();
        }
        assertThat(service.acceptedRuns).containsExactly("run-env", "run-set-in-code");
    }
}
