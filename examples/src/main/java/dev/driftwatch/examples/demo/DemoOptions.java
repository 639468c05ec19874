package dev.driftwatch.examples.demo;

import dev.driftwatch.examples.lm.FortuneCorpus;
import dev.driftwatch.examples.lm.LmConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The demo's command line.
 *
 * @param home the demo's own directory: service data, base model cache, spool, saved login
 * @param dataDir the Fashion-MNIST directory
 * @param url an already running service to stream to, or null to start one
 * @param port the port of a service the demo starts (0: 8080 when free, else any free port)
 * @param project the project's key
 * @param token the project's API token
 * @param offline a directory to write JSON-lines reports to instead of streaming, or null
 * @param quick true for the short settings (the ones the end-to-end test uses)
 * @param steps fine-tuning steps per run, or 0 for the settings' default
 * @param stepDelayMillis pause after every step, for watching
 * @param keepRunning keep the started service running after the demo until Ctrl-C
 * @param corpusDir the fortunes directory of the LM demo
 * @param demos which demos to run: {@code image}, {@code lm} or both
 */
public record DemoOptions(Path home, Path dataDir, String url, int port, String project, String token,
        Path offline, boolean quick, int steps, long stepDelayMillis, boolean keepRunning, Path corpusDir,
        Set<String> demos) {

    /** The image demo (Fashion-MNIST classifier). */
    public static final String IMAGE = "image";
    /** The language-model demo (fortunes). */
    public static final String LM = "lm";

    /** The usage text. */
    public static final String USAGE = """
            usage: run-demo.sh [options]
              --data DIR        Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
              --corpus DIR      the LM demo's fortunes (default /usr/share/games/fortunes)
              --only DEMO       run only one demo: image or lm (default: both, image first)
              --home DIR        the demo's directory: service database, model cache, spool
                                (default ~/.driftwatch/demo)
              --port N          port of the service the demo starts (default 8080, else a free one)
              --url URL         stream to an already running service instead of starting one
              --project KEY     project key (default demo)
              --token TOKEN     the project's API token (default dw_demo_local_token)
              --offline DIR     do not stream: write JSON-lines report files into DIR
              --quick           short runs (what the end-to-end test trains)
              --steps N         fine-tuning steps per run
              --step-delay MS   pause after every step, to watch the runs move in the UI
              --no-wait         stop the service when the demo is done instead of waiting for Ctrl-C
            """;

    /**
     * Parses the arguments.
     *
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException on an unknown option or a bad value, with the reason
     */
    public static DemoOptions parse(String... args) {
        Path home = Path.of(System.getProperty("user.home"), ".driftwatch", "demo");
        Path data = dev.driftwatch.plugin.data.FashionMnist.DEFAULT_DIRECTORY;
        String url = null;
        int port = 0;
        String project = "demo";
        String token = "dw_demo_local_token";
        Path offline = null;
        boolean quick = false;
        int steps = 0;
        long delay = 0;
        boolean keep = true;
        Path corpus = FortuneCorpus.DEFAULT_DIRECTORY;
        Set<String> demos = Set.of(IMAGE, LM);
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String option = rest.remove(0);
            switch (option) {
                case "--data" -> data = Path.of(value(option, rest));
                case "--home" -> home = Path.of(value(option, rest));
                case "--port" -> port = number(option, value(option, rest));
                case "--url" -> url = value(option, rest);
                case "--project" -> project = value(option, rest);
                case "--token" -> token = value(option, rest);
                case "--offline" -> offline = Path.of(value(option, rest));
                case "--quick" -> quick = true;
                case "--steps" -> steps = number(option, value(option, rest));
                case "--step-delay" -> delay = number(option, value(option, rest));
                case "--no-wait" -> keep = false;
                case "--corpus" -> corpus = Path.of(value(option, rest));
                case "--only" -> {
                    String demo = value(option, rest);
                    if (!demo.equals(IMAGE) && !demo.equals(LM)) {
                        throw new IllegalArgumentException("--only needs image or lm: " + demo);
                    }
                    demos = Set.of(demo);
                }
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        return new DemoOptions(home, data, url, port, project, token, offline, quick, steps, delay, keep, corpus,
                demos);
    }

    /**
     * Returns the training settings these options ask for.
     *
     * @return the demo settings
     */
    public DemoConfig config() {
        Path cache = home.resolve("cache");
        DemoConfig config = (quick ? DemoConfig.quick(cache) : DemoConfig.standard(cache)).withDataDir(dataDir)
                .withStepDelay(stepDelayMillis);
        return steps > 0 ? config.withSteps(steps) : config;
    }

    /**
     * Returns the LM demo's settings these options ask for.
     *
     * @return the LM demo settings
     */
    public LmConfig lmConfig() {
        Path cache = home.resolve("cache");
        LmConfig config = (quick ? LmConfig.quick(cache) : LmConfig.standard(cache)).withCorpusDir(corpusDir);
        config = stepDelayMillis > 0 ? config.withStepDelay(stepDelayMillis) : config;
        return steps > 0 ? config.withSteps(steps) : config;
    }

    private static String value(String option, List<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return rest.remove(0);
    }

    private static int number(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number >= 0: " + value);
        }
    }
}
