package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The demo's command line: the defaults run-demo.sh documents (no pause after a step, so the main job
 * stays within its six minutes; {@code --step-delay} adds one so a person can watch the runs move),
 * bad values refused naming the option with exit status 2, and the help and version picocli prints.
 */
class DemoOptionsTest {

    @Test
    void theFullDemoDoesNotPauseByDefault() {
        assertThat(DemoOptions.parse().config().stepDelayMillis()).isZero();
        assertThat(DemoOptions.parse().config().steps()).isEqualTo(900);
    }

    @Test
    void theQuickDemoDoesNotPause() {
        assertThat(DemoOptions.parse("--quick").config().stepDelayMillis()).isZero();
    }

    @Test
    void stepDelayWinsOverTheDefaults() {
        assertThat(DemoOptions.parse("--step-delay", "5").config().stepDelayMillis()).isEqualTo(5);
        assertThat(DemoOptions.parse("--quick", "--step-delay", "7").config().stepDelayMillis()).isEqualTo(7);
        assertThat(DemoOptions.parse("--step-delay", "0").config().stepDelayMillis()).isZero();
        assertThat(DemoOptions.parse("--step-delay", "0").lmConfig().stepDelayMillis()).isZero();
    }

    @Test
    void withoutOptionsTheDemoStartsItsOwnServiceAndRunsBothDemos() {
        DemoOptions options = DemoOptions.parse();

        assertThat(options.home()).isEqualTo(Path.of(System.getProperty("user.home"), ".driftwatch", "demo"));
        assertThat(options.dataDir()).isEqualTo(Path.of("/usr/share/datasets/fashion-mnist"));
        assertThat(options.corpusDir()).isEqualTo(Path.of("/usr/share/games/fortunes"));
        assertThat(options.url()).isNull();
        assertThat(options.port()).isZero();
        assertThat(options.project()).isEqualTo("demo");
        assertThat(options.token()).isEqualTo("dw_demo_local_token");
        assertThat(options.offline()).isNull();
        assertThat(options.quick()).isFalse();
        assertThat(options.steps()).isZero();
        assertThat(options.keepRunning()).isTrue();
        assertThat(options.demos()).containsExactlyInAnyOrder(DemoOptions.IMAGE, DemoOptions.LM);
    }

    @Test
    void everyOptionReachesTheOptions() {
        DemoOptions options = DemoOptions.parse("--home", "/tmp/dw", "--data", "/d", "--corpus", "/c", "--only", "lm",
                "--port", "9090", "--url", "http://localhost:9000", "--project", "p", "--token", "t", "--offline",
                "/o", "--quick", "--steps", "12", "--no-wait");

        assertThat(options).isEqualTo(new DemoOptions(Path.of("/tmp/dw"), Path.of("/d"), "http://localhost:9000", 9090,
                "p", "t", Path.of("/o"), true, 12, DemoOptions.NOT_GIVEN, false, Path.of("/c"), Set.of("lm")));
        assertThat(options.config().steps()).isEqualTo(12);
        assertThat(options.lmConfig().steps()).isEqualTo(12);
        assertThat(options.config().cacheDir()).isEqualTo(Path.of("/tmp/dw", "cache"));
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> DemoOptions.parse("--only", "video"))
                .hasMessage("Invalid value for option '--only': 'video' is not a demo: image or lm");
        assertThatThrownBy(() -> DemoOptions.parse("--port", "70000"))
                .hasMessage("Invalid value for option '--port': '70000' is not a whole number from 0 to 65535");
        assertThatThrownBy(() -> DemoOptions.parse("--steps", "many"))
                .hasMessage("Invalid value for option '--steps': 'many' is not a whole number from 0 to 2147483647");
        assertThatThrownBy(() -> DemoOptions.parse("--step-delay", "-5"))
                .hasMessage("Invalid value for option '--step-delay': '-5' is not a whole number from 0 to 2147483647");
        assertThatThrownBy(() -> DemoOptions.parse("--url", "localhost:8080"))
                .hasMessage("Invalid value for option '--url': 'localhost:8080' is not an http(s) URL such as"
                        + " http://localhost:8080");
        assertThatThrownBy(() -> DemoOptions.parse("--quick", "extra")).hasMessageContaining("'extra'");
    }

    /** What {@link DemoOptions#execute} printed and returned, and whether the demo ran. */
    private record Run(int status, String out, String err, List<DemoOptions> ran) {}

    private static Run execute(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<DemoOptions> ran = new ArrayList<>();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        // picocli prints help and errors to System.out / System.err; the test captures them
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = DemoOptions.execute(options -> {
                ran.add(options);
                return 0;
            }, args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), ran);
    }

    @Test
    void aBadOptionExitsWithStatusTwoAndTheUsageWithoutRunningTheDemo() {
        Run run = execute("--steps", "-1");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.ran()).isEmpty();
        assertThat(run.err()).startsWith("Invalid value for option '--steps': '-1' is not a whole number")
                .contains("Usage: run-demo.sh [-hV]", "Try 'run-demo.sh --help' for more information.")
                .doesNotContain("--no-wait         stop the service"); // the synopsis, not the whole help
    }

    @Test
    void helpListsEveryOptionWithItsDefaultAndDoesNotRunTheDemo() {
        Run run = execute("--help");

        assertThat(run.status()).isZero();
        assertThat(run.ran()).isEmpty();
        assertThat(run.out()).startsWith("Usage: run-demo.sh [-hV] [--data=DIR] [--corpus=DIR]")
                .contains("--data=DIR", "/usr/share/datasets/fashion-mnist", "--corpus=DIR",
                        "/usr/share/games/fortunes", "--only=DEMO", "--home=DIR", "--port=N", "--url=URL",
                        "--project=KEY", "(default: demo)", "--token=TOKEN", "(default: dw_demo_local_token)",
                        "--offline=DIR", "--quick", "--steps=N", "--step-delay=MS", "UI (default: 0)",
                        "--no-wait", "--help", "--version", "Exit status:");
    }

    @Test
    void versionNamesTheDemoAndTheWireContract() {
        Run run = execute("--version");

        assertThat(run.status()).isZero();
        assertThat(run.ran()).isEmpty();
        assertThat(run.out().strip()).matches("run-demo\\.sh [0-9][^ ]* \\(wire contract [0-9]+\\.[0-9]+\\)");
    }

    @Test
    void theDemoRunsWithTheParsedOptionsAndItsStatusIsTheExitStatus() {
        Run run = execute("--quick", "--only", "image");

        assertThat(run.status()).isZero();
        assertThat(run.ran()).singleElement().satisfies(o -> {
            assertThat(o.quick()).isTrue();
            assertThat(o.demos()).containsExactly(DemoOptions.IMAGE);
        });
    }
}
