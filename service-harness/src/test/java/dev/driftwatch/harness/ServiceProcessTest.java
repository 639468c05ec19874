package dev.driftwatch.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher against a stand-in service ({@code dev.driftwatch.monitor.DriftwatchApplication} of these
 * tests) that binds port 0 and writes the port it bound, as the real one does.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ServiceProcessTest {

    @TempDir
    Path work;

    @Test
    void readsBackTheBoundPortAndKeepsItAcrossAKillAndARestart() throws Exception {
        try (ServiceProcess service = ServiceProcess.builder().fromCurrentClasspath()
                .dataDir(work.resolve("pgdata"))
                .bootstrap("p", "dw_token")
                .property("logging.level.root", "WARN")
                .start()) {
            int port = service.port();
            assertThat(port).isPositive();
            ApiClient api = new ApiClient(service.url(), null);
            assertThat(api.get("/args").text().lines()).contains("--server.port=0",
                    "--driftwatch.embedded-db.data-dir=" + work.resolve("pgdata").toAbsolutePath(),
                    "--driftwatch.bootstrap.project=p", "--driftwatch.bootstrap.token=dw_token",
                    "--logging.level.root=WARN", "--spring.main.banner-mode=off");

            service.kill();
            assertThat(service.isAlive()).isFalse();
            assertThatThrownBy(() -> api.get("/args")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not answer");

            service.start();
            assertThat(service.port()).isEqualTo(port);
            assertThat(api.get("/args").text().lines()).contains("--server.port=" + port);
            assertThat(service.stop()).as("exits on SIGTERM").isTrue();
            assertThat(service.isAlive()).isFalse();
        }
        assertThat(Files.readString(work.resolve("pgdata-service.log"))).contains("---- starting: ")
                .contains("fake service listening on ");
    }

    @Test
    void aLaunchedRunReportsItsExitStatus() {
        ServiceProcess run = ServiceProcess.builder().fromCurrentClasspath()
                .logFile(work.resolve("run.log"))
                .arguments("--exit=3")
                .build();
        assertThat(run.launch().awaitExit(Duration.ofMinutes(1))).isEqualTo(3);
        assertThat(run.isAlive()).isFalse();
    }

    @Test
    void aServiceThatExitsDuringStartupFailsWithItsLog() {
        ServiceProcess failing = ServiceProcess.builder().fromCurrentClasspath()
                .logFile(work.resolve("failing.log"))
                .property("exit", "1")
                .build();
        assertThatThrownBy(failing::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited during startup (status 1)").hasMessageContaining("failing.log");
    }

    @Test
    void theLauncherKeepsThePortAndDataDirectoryToItself() {
        ServiceProcess.Builder b = ServiceProcess.builder();
        assertThatThrownBy(() -> b.property("server.port", "0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port(...)");
        assertThatThrownBy(() -> b.arguments("--driftwatch.embedded-db.data-dir=/tmp/x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.arguments("spring.datasource.url=x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not --key=value");
        assertThatThrownBy(() -> b.fromCurrentClasspath().build()).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("logFile");
    }
}
