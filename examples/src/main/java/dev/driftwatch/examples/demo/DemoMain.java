package dev.driftwatch.examples.demo;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.harness.ServiceProcess;
import dev.driftwatch.examples.lm.LmDemo;
import dev.driftwatch.plugin.report.DriftSink;
import dev.driftwatch.plugin.ship.HttpDriftSink;
import dev.driftwatch.plugin.sink.JsonLinesFileSink;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The main job: starts the monitor service on its embedded PostgreSQL (with a bootstrap project and
 * token), creates an alert rule, fine-tunes the demo runs with the drift listener streaming into the
 * service, prints what the service made of them and keeps the service running until Ctrl-C.
 * {@code run-demo.sh} builds and runs this; {@code run-demo.sh --help} lists the options ({@link DemoOptions}).
 */
public final class DemoMain {

    private DemoMain() {}

    /**
     * Runs the demo.
     *
     * @param args see {@code run-demo.sh --help} ({@link DemoOptions})
     */
    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        int status = DemoOptions.execute(DemoMain::run, args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the demos with these options; returns when they are done (and the service stopped, or Ctrl-C). */
    private static int run(DemoOptions options) {
        PrintStream out = System.out;
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC)
                .format(Instant.now());
        if (options.offline() != null) {
            runOffline(options, stamp, out);
            return 0;
        }
        ServiceProcess service = options.url() == null ? startService(options, out) : null;
        URI url = service != null ? service.url() : URI.create(options.url());
        CountDownLatch stopped = new CountDownLatch(1);
        if (service != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                out.println("\nStopping the service...");
                service.close();
                stopped.countDown();
            }, "demo-shutdown"));
        }
        out.println("driftwatch is running at " + url + "  (UI and API; project '" + options.project() + "')");
        if (service != null) {
            UiLogin.find(service.logFile(), options.home()).ifPresentOrElse(
                    login -> out.println("UI login: " + login),
                    () -> out.println("UI login: user admin, with the password the service printed at its first"
                            + " start (see " + service.logFile() + ")"));
        }
        ApiClient api = new ApiClient(url, options.token()).withProject(options.project());
        DemoAlerts.createRule(api, out);

        List<RunResult> results = runDemos(options, stamp, runKey -> List.of(httpSink(url, options, runKey)), out);
        DemoAlerts.printVerdicts(api, results, out);
        DemoForgetting.print(api, results, out);

        out.println("\nOpen " + url.resolve("/projects/" + options.project() + "/runs")
                + " to see the runs, the flagged run and the fired alert.");
        if (service != null && options.keepRunning()) {
            out.println("The service keeps running; press Ctrl-C to stop it.");
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (service != null) {
            // The shutdown hook stops it.
            System.exit(0);
        }
        return 0;
    }

    /** Runs the image demo, then the LM demo (or the one asked for), with run keys {@code fmnist-<stamp>-...}, {@code fortunes-<stamp>-...}. */
    private static List<RunResult> runDemos(DemoOptions options, String stamp,
            Function<String, List<DriftSink>> sinks, PrintStream out) {
        List<RunResult> results = new ArrayList<>();
        if (options.demos().contains(DemoOptions.IMAGE)) {
            out.println("\n== Image demo: a Fashion-MNIST classifier ==");
            results.addAll(DriftDemo.run(options.config(), "fmnist-" + stamp, sinks, out));
        }
        if (options.demos().contains(DemoOptions.LM)) {
            out.println("\n== Language-model demo: a small transformer on the fortunes corpus ==");
            results.addAll(LmDemo.run(options.lmConfig(), "fortunes-" + stamp, sinks, out));
        }
        return results;
    }

    private static DriftSink httpSink(URI url, DemoOptions options, String runKey) {
        return HttpDriftSink.builder()
                .setUrl(url)
                .setProject(options.project())
                .setToken(options.token())
                .optSpoolDir(options.home().resolve("spool"))
                .optFlushTimeout(FineTuneRun.DELIVERY_WAIT)
                .build();
    }

    private static void runOffline(DemoOptions options, String stamp, PrintStream out) {
        try {
            Files.createDirectories(options.offline());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        runDemos(options, stamp,
                runKey -> List.of(new JsonLinesFileSink(options.offline().resolve(runKey + ".jsonl"))), out);
        out.println("\nReports written to " + options.offline()
                + "; upload them with driftwatch-upload (docs/cli.md).");
    }

    private static ServiceProcess startService(DemoOptions options, PrintStream out) {
        // 8080 when it is free, else any port: the service binds port 0 and says which one it got
        int port = options.port() != 0 ? options.port() : (isFree(8080) ? 8080 : 0);
        Path home = options.home();
        out.println("Starting the driftwatch service on " + (port != 0 ? "port " + port : "a free port")
                + " with its embedded PostgreSQL in " + home.resolve("pgdata") + " (log: "
                + home.resolve("service.log") + ")...");
        return ServiceProcess.builder()
                .dataDir(home.resolve("pgdata"))
                .logFile(home.resolve("service.log"))
                .port(port)
                .bootstrap(options.project(), options.token())
                .start();
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
