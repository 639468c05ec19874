package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code driftwatch-upload}: sends a spool or JSON-lines file to the service, or prints a run's
 * latest drift. See {@code docs/cli.md}.
 *
 * <pre>
 * java -cp driftwatch-trainer-plugin.jar:... dev.driftwatch.plugin.ship.UploadCli \
 *     upload ~/.driftwatch/spool/demo/run-1.jsonl --url http://localhost:8080 --project demo --token dw_...
 * java -cp ... dev.driftwatch.plugin.ship.UploadCli latest run-1 --project demo --token dw_...
 * </pre>
 *
 * <p>Options fall back to the environment variables {@code DRIFTWATCH_URL} (default
 * {@code http://localhost:8080}), {@code DRIFTWATCH_PROJECT} and {@code DRIFTWATCH_TOKEN}. Exit
 * status: 0 everything uploaded, 1 not everything (the service refused a record or could not be
 * reached, or a line was not a report record and was skipped), 2 bad usage or an unreadable file.
 */
public final class UploadCli {

    /** The most checkpoints per request. */
    static final int BATCH = 100;
    private static final String USAGE = """
            usage: driftwatch-upload upload <file.jsonl>... [--url URL] [--project P] [--token T] [--retry-for S]
                   driftwatch-upload latest <runKey>        [--url URL] [--project P] [--token T] [--retry-for S]
              upload  sends JSON-lines records (a spool file or an offline file) to the service;
                      idempotent: records already stored are counted as duplicates
              latest  prints the run's status and its latest drift (kl_base_ft with its 95% CI)
              --url defaults to $DRIFTWATCH_URL or http://localhost:8080,
              --project to $DRIFTWATCH_PROJECT, --token to $DRIFTWATCH_TOKEN;
              --retry-for: how long to retry an unreachable or busy service per request (default 30 s)""";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

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
        List<String> positional = new ArrayList<>();
        String url = env.getOrDefault("DRIFTWATCH_URL", "http://localhost:8080");
        String project = env.get("DRIFTWATCH_PROJECT");
        String token = env.get("DRIFTWATCH_TOKEN");
        String retryFor = "30";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            }
            if (a.startsWith("--")) {
                if (i + 1 >= args.length) {
                    return usage("missing value of " + a);
                }
                String value = args[++i];
                switch (a) {
                    case "--url" -> url = value;
                    case "--project" -> project = value;
                    case "--token" -> token = value;
                    case "--retry-for" -> retryFor = value;
                    default -> {
                        return usage("unknown option " + a);
                    }
                }
            } else {
                positional.add(a);
            }
        }
        if (positional.size() < 2) {
            return usage(positional.isEmpty() ? "missing command" : "missing argument of " + positional.get(0));
        }
        if (project == null || project.isBlank()) {
            return usage("--project (or DRIFTWATCH_PROJECT) is required");
        }
        if (token == null || token.isBlank()) {
            return usage("--token (or DRIFTWATCH_TOKEN) is required");
        }
        URI base;
        try {
            base = URI.create(url);
        } catch (IllegalArgumentException e) {
            return usage("bad --url: " + e.getMessage());
        }
        RetryPolicy policy;
        try {
            Duration bound = Duration.ofMillis(Math.round(Double.parseDouble(retryFor) * 1000));
            RetryPolicy defaults = RetryPolicy.defaults();
            policy = new RetryPolicy(defaults.initialBackoff(), defaults.maxBackoff(), bound);
        } catch (IllegalArgumentException e) {
            return usage("bad --retry-for (seconds): " + retryFor);
        }
        IngestionClient client = IngestionClient.create(base, project, token).withPolicy(policy);
        String command = positional.get(0);
        List<String> rest = positional.subList(1, positional.size());
        return switch (command) {
            case "upload" -> {
                int status = 0;
                for (String file : rest) {
                    status = Math.max(status, upload(client, Path.of(file), url, project));
                }
                yield status;
            }
            case "latest" -> rest.size() == 1 ? latest(client, rest.get(0)) : usage("latest takes one run key");
            default -> usage("unknown command " + command);
        };
    }

    private int usage(String problem) {
        err.println("driftwatch-upload: " + problem);
        err.println(USAGE);
        return 2;
    }

    private int upload(IngestionClient client, Path file, String url, String project) {
        if (!Files.isReadable(file)) {
            err.println("driftwatch-upload: cannot read " + file);
            return 2;
        }
        Tally tally = new Tally();
        List<WireRecord> pending = new ArrayList<>();
        long lineNo = 0;
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
        // 0 only when the whole file reached the service: a skipped line is data that did not
        return tally.refused > 0 || tally.skipped > 0 ? 1 : 0;
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
