package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code driftwatch-upload}: sends a spool or JSON-lines file to the service, or prints a run's
 * latest drift. See {@code docs/cli.md}; the command line is parsed by picocli.
 *
 * <pre>
 * java -cp driftwatch-trainer-plugin.jar:... dev.driftwatch.plugin.ship.UploadCli \
 *     upload ~/.driftwatch/spool/demo/run-1.jsonl --url http://localhost:8080 --project demo --token dw_...
 * java -cp ... dev.driftwatch.plugin.ship.UploadCli latest run-1 --project demo --token dw_...
 * </pre>
 *
 * <p>Options fall back to the environment variables {@code DRIFTWATCH_URL},
 * {@code DRIFTWATCH_PROJECT} and {@code DRIFTWATCH_TOKEN}, the ones {@link HttpDriftSink#builder()}
 * reads. Exit status: 0 everything uploaded, 1 not everything (the service refused a record or could
 * not be reached, or a line was not a report record and was skipped), 2 bad usage or an unreadable file.
 */
@Command(name = "driftwatch-upload", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = CommandLines.Version.class, sortOptions = false, sortSynopsis = false,
        subcommands = {UploadCli.Upload.class, UploadCli.Latest.class},
        description = "Sends JSON-lines report files (a spool file or an offline file) to the driftwatch service,"
                + " or prints a run's latest drift.",
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {
            "0:everything was uploaded (or printed)",
            "1:not everything was uploaded: a record was refused, the service could not be reached, or a line"
                    + " was not a report record (uploading again is safe)",
            "2:bad usage, or a file that cannot be read"})
public final class UploadCli implements Callable<Integer> {

    /** The most checkpoints per request. */
    static final int BATCH = 100;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    @Option(names = "--url", paramLabel = "URL", scope = ScopeType.INHERIT, converter = CommandLines.HttpUrl.class,
            description = "the service's base URL (default: $DRIFTWATCH_URL)")
    private URI url;

    @Option(names = "--project", paramLabel = "P", scope = ScopeType.INHERIT,
            description = "the project the runs belong to (default: $DRIFTWATCH_PROJECT)")
    private String project;

    @Option(names = "--token", paramLabel = "T", scope = ScopeType.INHERIT,
            description = "the project's API token (default: $DRIFTWATCH_TOKEN; prefer the variable, so the"
                    + " token stays out of the shell history)")
    private String token;

    @Option(names = "--retry-for", paramLabel = "S", scope = ScopeType.INHERIT, converter = Seconds.class,
            description = "seconds to retry an unreachable or busy service per request (default: 30)")
    private Duration retryFor = Duration.ofSeconds(30);

    @Spec
    private CommandSpec spec;

    /**
     * Creates the tool.
     *
     * @param out where results go
     * @param err where errors and usage go
     * @param env the environment (for defaults)
     */
    UploadCli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    /**
     * Runs the tool and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /**
     * Runs one command without exiting, for launchers and tests; the environment supplies defaults.
     *
     * @param out where results go
     * @param err where errors and usage go
     * @param args the command line
     * @return the exit status: 0 everything uploaded, 1 refused, unreachable or a line skipped, 2 bad usage or file
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return new UploadCli(out, err, System.getenv()).run(args);
    }

    /**
     * Runs one command.
     *
     * @param args the command line
     * @return the exit status
     */
    int run(String[] args) {
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        int status = CommandLines.of(this).setOut(outWriter).setErr(errWriter).execute(args);
        outWriter.flush();
        errWriter.flush();
        return status;
    }

    /** Without a command: says which commands there are (bad usage). */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: upload or latest");
    }

    /** The {@code upload} command. */
    @Command(name = "upload", description = {
        "Sends the records of JSON-lines files (a spool file or an offline file) to the service, in order.",
        "Idempotent: records the service already has are counted as duplicates and change nothing.",
        "A spool file whose records were all acknowledged is removed."})
    static final class Upload implements Callable<Integer> {
        @ParentCommand
        private UploadCli cli;

        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "<file.jsonl>", arity = "1..*", description = "the files, uploaded in order")
        private List<Path> files;

        @Override
        public Integer call() {
            IngestionClient client = cli.client(spec);
            int status = 0;
            for (Path file : files) {
                status = Math.max(status, cli.upload(client, file, cli.url.toString(), cli.project));
            }
            return status;
        }
    }

    /** The {@code latest} command. */
    @Command(name = "latest", description = "Prints a run's status, its latest drift (kl_base_ft with its 95%% CI),"
            + " its latest task loss and its flags.")
    static final class Latest implements Callable<Integer> {
        @ParentCommand
        private UploadCli cli;

        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "<runKey>", description = "the run's key")
        private String runKey;

        @Override
        public Integer call() {
            return cli.latest(cli.client(spec), runKey);
        }
    }

    /** The client the options (or their variables) describe; a missing one is bad usage of {@code command}. */
    private IngestionClient client(CommandSpec command) {
        url = url != null ? url : required(command, "--url", ServiceEnvironment.URL, CommandLines.HttpUrl::parse);
        project = project != null ? project : required(command, "--project", ServiceEnvironment.PROJECT, v -> v);
        token = token != null ? token : required(command, "--token", ServiceEnvironment.TOKEN, v -> v);
        RetryPolicy defaults = RetryPolicy.defaults();
        RetryPolicy policy = new RetryPolicy(defaults.initialBackoff(), defaults.maxBackoff(), retryFor);
        return IngestionClient.create(url, project, token).withPolicy(policy);
    }

    private <T> T required(CommandSpec command, String option, String variable, Function<String, T> convert) {
        String value = ServiceEnvironment.get(env, variable);
        if (value == null) {
            throw new ParameterException(command.commandLine(), option + " (or " + variable + ") is required");
        }
        try {
            return convert.apply(value);
        } catch (TypeConversionException e) {
            throw new ParameterException(command.commandLine(), "Invalid value of " + variable + " (for " + option
                    + "): " + e.getMessage());
        }
    }

    /** A number of seconds, fractions allowed, not negative. */
    static final class Seconds implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            double seconds;
            try {
                seconds = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                seconds = Double.NaN;
            }
            if (!(seconds >= 0 && seconds <= 86_400)) {
                throw new TypeConversionException("'" + value + "' is not a number of seconds from 0 to 86400");
            }
            return Duration.ofMillis(Math.round(seconds * 1000));
        }
    }

    private int upload(IngestionClient client, Path file, String url, String project) {
        if (!Files.isReadable(file)) {
            err.println("driftwatch-upload: cannot read " + file);
            return 2;
        }
        Tally tally = new Tally();
        List<WireRecord> pending = new ArrayList<>();
        long lineNo = 0;
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            err.println("driftwatch-upload: cannot read " + file + ": " + e.getMessage());
            return 2;
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    pending.add(WireJson.fromLine(line));
                } catch (RuntimeException e) {
                    // the parser's first line says what is wrong; the rest is its location, which file:line gives
                    String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                    err.printf("driftwatch-upload: %s:%d skipped, not a report record: %s%n", file, lineNo, why);
                    tally.skipped++;
                    continue;
                }
                if (pending.size() >= BATCH) {
                    if (!send(client, pending, tally)) {
                        return failed(file, tally);
                    }
                    pending.clear();
                }
            }
            if (!send(client, pending, tally)) {
                return failed(file, tally);
            }
        } catch (IOException e) {
            err.println("driftwatch-upload: cannot read " + file + ": " + e.getMessage());
            return 2;
        }
        out.printf(Locale.ROOT, "%s: uploaded to %s (project %s): %s%n", file, url, project, tally);
        if (Spool.isSpoolFile(file)) {
            removeSpoolFile(file, size, tally);
        }
        // 0 only when the whole file reached the service: a skipped line is data that did not
        return tally.refused > 0 || tally.skipped > 0 ? 1 : 0;
    }

    /**
     * A spool file whose records were all acknowledged is removed, so that the next job with this
     * spool directory does not replay it; one with refused or unreadable records is kept.
     */
    private void removeSpoolFile(Path file, long readBytes, Tally tally) {
        if (tally.refused > 0 || tally.skipped > 0) {
            out.printf(Locale.ROOT, "%s: kept the spool file: %d record(s) refused, %d unreadable line(s)%n", file,
                    tally.refused, tally.skipped);
            return;
        }
        try {
            if (Spool.removeAcknowledged(file, readBytes)) {
                out.printf(Locale.ROOT, "%s: removed the spool file: the service acknowledged all its records, so the"
                        + " next job will not replay it%n", file);
            } else {
                out.printf(Locale.ROOT, "%s: kept the spool file: it grew while it was uploaded (a job is still"
                        + " writing to it)%n", file);
            }
        } catch (IOException e) {
            err.println("driftwatch-upload: could not remove the spool file " + file + ": " + e.getMessage());
        }
    }

    private int failed(Path file, Tally tally) {
        err.printf("driftwatch-upload: %s: stopped: %s; so far %s. Uploading the file again is safe.%n", file,
                tally.stop, tally);
        return 1;
    }

    /** Sends records in order; false when the upload must stop (unreachable, or the token refused). */
    private boolean send(IngestionClient client, List<WireRecord> records, Tally tally) {
        for (Shipper.Group group : Shipper.Group.of(records, BATCH)) {
            Outcome outcome = Shipper.sendOnce(client, group);
            if (outcome instanceof Outcome.Delivered d) {
                tally.count(group, d.body());
            } else if (outcome instanceof Outcome.Unreachable u) {
                tally.stop = "service unreachable: " + u.reason();
                return false;
            } else if (outcome instanceof Outcome.Rejected r && IngestionClient.isServerFault(r.status())) {
                // the service's own fault through the whole retry loop: stop (the file is kept) rather than
                // try every record alone, for as long again each
                tally.stop = "the service failed: " + r.problem();
                return false;
            } else if (outcome instanceof Outcome.Rejected r && r.aboutContent() && group.records().size() > 1) {
                // keep the valid part of a refused batch: send its records one by one
                for (WireRecord one : group.records()) {
                    if (!send(client, List.of(one), tally)) {
                        return false;
                    }
                }
            } else {
                Outcome.Rejected r = (Outcome.Rejected) outcome;
                if (!r.aboutContent()) {
                    tally.stop = "refused: " + r.problem();
                    return false;
                }
                err.println("driftwatch-upload: refused " + describe(group) + ": " + r.problem());
                tally.refused += group.records().size();
            }
        }
        return true;
    }

    private static String describe(Shipper.Group group) {
        return switch (group.kind()) {
            case RUN -> "run " + group.runKey();
            case END -> "end of run " + group.runKey();
            case CHECKPOINTS -> "checkpoint step "
                    + ((CheckpointReport) group.records().get(0)).step() + " of run "
                    + group.runKey();
        };
    }

    private int latest(IngestionClient client, String runKey) {
        Outcome outcome = client.get("/runs/" + IngestionClient.segment(runKey));
        if (outcome instanceof Outcome.Unreachable u) {
            err.println("driftwatch-upload: service unreachable: " + u.reason());
            return 1;
        }
        if (outcome instanceof Outcome.Rejected r) {
            err.println("driftwatch-upload: " + (r.status() == 404 ? "no run " + runKey + ": " : "") + r.problem());
            return 1;
        }
        Map<String, Object> run;
        try {
            run = WireJson.read(((Outcome.Delivered) outcome).body());
        } catch (IllegalArgumentException e) {
            err.println("driftwatch-upload: the service's answer is not a run: " + e.getMessage());
            return 1;
        }
        out.printf(Locale.ROOT, "run %s (%s), %s checkpoint(s), last step %s%n", runKey, run.get("status"),
                run.get("checkpointCount"), orDash(run.get("lastStep")));
        if (run.get("latestKlMean") instanceof Number kl) {
            out.printf(Locale.ROOT, "latest kl_base_ft %.4f nats/token (95%% CI %s to %s)%n", kl.doubleValue(),
                    fixed(run.get("latestKlCiLow")), fixed(run.get("latestKlCiHigh")));
        } else {
            out.println("latest kl_base_ft -, no valid checkpoint yet");
        }
        if (run.get("latestTaskLoss") instanceof Number loss) {
            out.printf(Locale.ROOT, "latest task loss %.4f%n", loss.doubleValue());
        }
        Object flags = run.get("flags");
        out.println("flags: " + (flags instanceof List<?> l && !l.isEmpty() ? String.join(", ",
                l.stream().map(String::valueOf).toList()) : "none"));
        return 0;
    }

    private static String orDash(Object o) {
        return o == null ? "-" : o.toString();
    }

    private static String fixed(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "-";
    }

    /** What an upload did, by kind of record. */
    private static final class Tally {
        long runs;
        long checkpoints;
        long duplicates;
        long ends;
        long refused;
        long skipped;
        String stop;

        void count(Shipper.Group group, String body) {
            switch (group.kind()) {
                case RUN -> runs++;
                case END -> ends++;
                case CHECKPOINTS -> {
                    checkpoints += group.records().size();
                    try {
                        if (WireJson.read(body).get("duplicates") instanceof Number n) {
                            duplicates += n.longValue();
                        }
                    } catch (IllegalArgumentException e) {
                        // the counts are informative; the upload itself succeeded
                    }
                }
            }
        }

        @Override
        public String toString() {
            return runs + " run(s), " + checkpoints + " checkpoint(s) (" + duplicates + " already stored), " + ends
                    + " run end(s), " + refused + " refused, " + skipped + " unreadable line(s)";
        }
    }
}
