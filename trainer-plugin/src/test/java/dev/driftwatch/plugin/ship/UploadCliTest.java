package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.WireJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
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
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path file = file(1);

        int status = new UploadCli(new PrintStream(out), new PrintStream(err), Map.of()).run(new String[] {"upload",
            file.toString(), "--url", "http://localhost:" + port, "--project", "demo", "--token", "t", "--retry-for",
            "0.5"});

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
        assertThat(run(Map.of(), "latest", "x")).isEqualTo(2);
        assertThat(run("frobnicate", "x")).isEqualTo(2);
        assertThat(run("upload", dir.resolve("missing.jsonl").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing argument of upload",
                "--project (or DRIFTWATCH_PROJECT) is required", "unknown command frobnicate", "cannot read",
                "usage: driftwatch-upload upload");
        assertThat(service.seen).isEmpty();
    }
}
