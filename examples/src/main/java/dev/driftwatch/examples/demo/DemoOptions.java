package dev.driftwatch.examples.demo;

import dev.driftwatch.examples.lm.FortuneCorpus;
import dev.driftwatch.examples.lm.LmConfig;
import dev.driftwatch.examples.data.FashionMnist;
import dev.driftwatch.plugin.ship.CommandLines;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * The demo's command line ({@code run-demo.sh [options]}), parsed by picocli; {@code run-demo.sh --help}
 * prints the help picocli generates from the options of {@link Cli}.
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
 * @param stepDelayMillis pause after every step, for watching; -1 when not given (then each demo's own
 *     default, none in every demo today)
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

    /** {@link #stepDelayMillis} when {@code --step-delay} was not given. */
    static final long NOT_GIVEN = -1;

    /**
     * Parses the arguments.
     *
     * @param args the command line
     * @return the options
     * @throws ParameterException on an unknown option or a bad value, with a message naming the option
     */
    public static DemoOptions parse(String... args) {
        Cli cli = new Cli();
        new CommandLine(cli).parseArgs(args);
        return cli.options();
    }

    /**
     * Runs the demo with the options of a command line; prints the help, the version, or a bad
     * option's error and the usage instead when the command line asks for them or is wrong.
     *
     * @param demo runs the demo with the options and returns its exit status
     * @param args the command line
     * @return the exit status: the demo's, 0 after help or version, 2 for bad usage
     */
    public static int execute(ToIntFunction<DemoOptions> demo, String... args) {
        Cli cli = new Cli();
        cli.demo = demo;
        return CommandLines.of(cli).execute(args);
    }

    /**
     * Returns the training settings these options ask for.
     *
     * @return the demo settings
     */
    public DemoConfig config() {
        Path cache = home.resolve("cache");
        DemoConfig config = (quick ? DemoConfig.quick(cache) : DemoConfig.standard(cache)).withDataDir(dataDir);
        // only a given --step-delay replaces the demo's default
        config = stepDelayMillis != NOT_GIVEN ? config.withStepDelay(stepDelayMillis) : config;
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
        config = stepDelayMillis != NOT_GIVEN ? config.withStepDelay(stepDelayMillis) : config;
        return steps > 0 ? config.withSteps(steps) : config;
    }

    /** The options as picocli fills them; {@link #options()} turns them into the record. */
    @Command(name = "run-demo.sh", mixinStandardHelpOptions = true, versionProvider = CommandLines.Version.class,
            sortOptions = false, sortSynopsis = false,
            description = {"Builds driftwatch, starts the monitor service on its embedded PostgreSQL and streams"
                    + " live demo fine-tuning runs into it: the image demo (Fashion-MNIST), then the"
                    + " language-model demo (fortunes).",
                "The service keeps running until Ctrl-C (unless --no-wait)."},
            exitCodeListHeading = "Exit status:%n",
            exitCodeList = {"0:the demo ran (or help or version was printed)", "1:the demo failed",
                "2:bad usage"})
    static final class Cli implements Callable<Integer> {

        @Option(names = "--data", paramLabel = "DIR",
                description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE})")
        private Path data = FashionMnist.DEFAULT_DIRECTORY;

        @Option(names = "--corpus", paramLabel = "DIR",
                description = "the LM demo's fortunes (default: ${DEFAULT-VALUE})")
        private Path corpus = FortuneCorpus.DEFAULT_DIRECTORY;

        @Option(names = "--only", paramLabel = "DEMO", converter = Demo.class,
                description = "run only one demo: image or lm (default: both, image first)")
        private String only;

        @Option(names = "--home", paramLabel = "DIR",
                description = "the demo's directory: service database, model cache, spool, saved login"
                        + " (default: ~/.driftwatch/demo)")
        private Path home;

        @Option(names = "--port", paramLabel = "N", converter = Port.class,
                description = "port of the service the demo starts (default: 8080, else a free one)")
        private int port;

        @Option(names = "--url", paramLabel = "URL", converter = CommandLines.HttpUrl.class,
                description = "stream to an already running service instead of starting one")
        private URI url;

        @Option(names = "--project", paramLabel = "KEY", description = "project key (default: ${DEFAULT-VALUE})")
        private String project = "demo";

        @Option(names = "--token", paramLabel = "TOKEN",
                description = "the project's API token (default: ${DEFAULT-VALUE})")
        private String token = "dw_demo_local_token";

        @Option(names = "--offline", paramLabel = "DIR",
                description = "do not stream: write JSON-lines report files into DIR")
        private Path offline;

        @Option(names = "--quick", description = "short runs (what the end-to-end test trains)")
        private boolean quick;

        @Option(names = "--steps", paramLabel = "N", converter = Count.class,
                description = "fine-tuning steps per run (default: each demo's own)")
        private int steps;

        @Option(names = "--step-delay", paramLabel = "MS", converter = Count.class,
                description = "pause after every step, to watch the runs move in the UI (default: 0)")
        private Integer stepDelay;

        @Option(names = "--no-wait",
                description = "stop the service when the demo is done instead of waiting for Ctrl-C")
        private boolean noWait;

        private ToIntFunction<DemoOptions> demo;

        DemoOptions options() {
            Path dir = home != null ? home : Path.of(System.getProperty("user.home"), ".driftwatch", "demo");
            return new DemoOptions(dir, data, url == null ? null : url.toString(), port, project, token, offline,
                    quick, steps, stepDelay == null ? NOT_GIVEN : stepDelay, !noWait, corpus,
                    only == null ? Set.of(IMAGE, LM) : Set.of(only));
        }

        @Override
        public Integer call() {
            return demo.applyAsInt(options());
        }
    }

    /** A whole number from 0 up (steps, milliseconds). */
    static class Count implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return parse(value, Integer.MAX_VALUE);
        }

        static int parse(String value, int max) {
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= 0 && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new TypeConversionException("'" + value + "' is not a whole number from 0 to " + max);
        }
    }

    /** A TCP port, or 0 for the default. */
    static final class Port implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return Count.parse(value, 65_535);
        }
    }

    /** {@value #IMAGE} or {@value #LM}. */
    static final class Demo implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals(IMAGE) && !value.equals(LM)) {
                throw new TypeConversionException("'" + value + "' is not a demo: image or lm");
            }
            return value;
        }
    }
}
