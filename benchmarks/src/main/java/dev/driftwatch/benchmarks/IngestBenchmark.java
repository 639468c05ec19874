package dev.driftwatch.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ingestion through the service's HTTP API (JSON, validation, idempotency check, JDBC batches, flags)
 * against a raw COPY of the same rows into the same PostgreSQL, in checkpoints per second. Each
 * checkpoint carries ~12 metric aggregates, 8 slices, 50 parameter tensors and 5 top examples.
 */
final class IngestBenchmark implements Benchmark {

    static final int BATCH = 100;
    private static final int UPLOADERS = 4;

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        int n = quick ? 600 : 4000;
        List<CheckpointGenerator.Generated> data = new CheckpointGenerator().next(0, n);
        try (ServiceUnderBenchmark service = new ServiceUnderBenchmark()) {
            // warm-up: the JIT and the connection pool, on a run of its own
            service.createRun("warmup");
            upload(service, "warmup", bodies(data.subList(0, Math.min(n, 600))));

            // request bodies are rendered before timing, as the COPY rows are for the baseline
            List<List<byte[]>> bodies = new ArrayList<>();
            for (int u = 0; u < UPLOADERS; u++) {
                bodies.add(bodies(data.subList(u * n / UPLOADERS, (u + 1) * n / UPLOADERS)));
            }
            // rounds alternate the API and the baselines; each keeps its best round (the least disturbed
            // by other work on the machine)
            double httpSeconds = Double.MAX_VALUE;
            double copySeconds = Double.MAX_VALUE;
            double copyOneTxSeconds = Double.MAX_VALUE;
            for (int round = 0; round < (quick ? 1 : 3); round++) {
                httpSeconds = Math.min(httpSeconds, uploadAll(service, "http-" + round, bodies));
                // raw COPY of the same rows, committed per upload batch (same transaction size and
                // durability as the API), and for reference all in one transaction
                copySeconds = Math.min(copySeconds, rawCopy(service, "copy-" + round, data, BATCH));
                copyOneTxSeconds = Math.min(copyOneTxSeconds, rawCopy(service, "copy-one-tx-" + round, data, n));
            }
            double http = n / httpSeconds;
            double raw = n / copySeconds;
            double rawOneTx = n / copyOneTxSeconds;
            return List.of(
                    new Result(name(), "HTTP ingestion (" + n + " checkpoints, batches of " + BATCH + ", "
                            + UPLOADERS + " uploaders) vs raw COPY per batch", http, "checkpoints/s", raw, http / raw,
                            ">= 0.4x raw COPY", http / raw >= 0.4),
                    new Result(name(), "the same vs raw COPY in one transaction (reference)", http, "checkpoints/s",
                            rawOneTx, http / rawOneTx, "", null));
        }
    }

    /** Uploads every uploader's bodies concurrently to runs of its own; returns seconds. */
    private static double uploadAll(ServiceUnderBenchmark service, String prefix, List<List<byte[]>> bodies)
            throws Exception {
        List<String> runs = new ArrayList<>();
        for (int u = 0; u < bodies.size(); u++) {
            runs.add(prefix + "-" + u);
            service.createRun(runs.get(u));
        }
        ExecutorService pool = Executors.newFixedThreadPool(bodies.size());
        try {
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int u = 0; u < bodies.size(); u++) {
                String run = runs.get(u);
                List<byte[]> part = bodies.get(u);
                done.add(pool.submit(() -> upload(service, run, part)));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            pool.shutdown();
        }
    }

    /** COPYs the rows of {@code data} into a new run, one transaction per {@code batch}; returns seconds. */
    private static double rawCopy(ServiceUnderBenchmark service, String run, List<CheckpointGenerator.Generated> data,
            int batch) throws Exception {
        service.createRun(run);
        long runId = RawCopy.runId(service.dataSource(), run);
        RawCopy.tensorNames(service.dataSource(), runId);
        List<String[]> rows = new ArrayList<>();
        for (int from = 0; from < data.size(); from += batch) {
            List<CheckpointGenerator.Generated> part = data.subList(from, Math.min(data.size(), from + batch));
            rows.add(new String[] {RawCopy.checkpointRows(runId, part, true), RawCopy.tensorRows(runId, part)});
        }
        long t0 = System.nanoTime();
        for (String[] r : rows) {
            RawCopy.copy(service.dataSource(), r[0], r[1]);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Upload bodies of {@link #BATCH} checkpoints each. */
    static List<byte[]> bodies(List<CheckpointGenerator.Generated> data) {
        List<byte[]> out = new ArrayList<>();
        for (int from = 0; from < data.size(); from += BATCH) {
            StringBuilder body = new StringBuilder("{\"checkpoints\":[");
            List<CheckpointGenerator.Generated> batch = data.subList(from, Math.min(data.size(), from + BATCH));
            for (int i = 0; i < batch.size(); i++) {
                body.append(i > 0 ? "," : "").append(batch.get(i).json());
            }
            out.add(body.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void upload(ServiceUnderBenchmark service, String run, List<byte[]> bodies) {
        for (byte[] body : bodies) {
            service.send("POST", "/api/v1/projects/" + ServiceUnderBenchmark.PROJECT + "/runs/" + run + "/checkpoints",
                    body);
        }
    }
}
