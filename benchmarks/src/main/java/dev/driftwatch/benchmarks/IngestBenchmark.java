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

    private static final int BATCH = 100;
    private static final int UPLOADERS = 2;

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        int n = quick ? 600 : 4000;
        CheckpointGenerator gen = new CheckpointGenerator();
        List<CheckpointGenerator.Generated> data = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            data.add(gen.next(i));
        }
        try (ServiceUnderBenchmark service = new ServiceUnderBenchmark()) {
            // warm-up: the JIT and the connection pool, on a run of its own
            service.createRun("warmup");
            upload(service, "warmup", bodies(data.subList(0, Math.min(n, 600))));

            List<String> runs = new ArrayList<>();
            for (int u = 0; u < UPLOADERS; u++) {
                runs.add("http-" + u);
                service.createRun("http-" + u);
            }
            // request bodies are rendered before timing, as the COPY rows are for the baseline
            List<List<byte[]>> bodies = new ArrayList<>();
            for (int u = 0; u < UPLOADERS; u++) {
                bodies.add(bodies(data.subList(u * n / UPLOADERS, (u + 1) * n / UPLOADERS)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(UPLOADERS);
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int u = 0; u < UPLOADERS; u++) {
                String run = runs.get(u);
                List<byte[]> part = bodies.get(u);
                done.add(pool.submit(() -> upload(service, run, part)));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double httpSeconds = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();

            service.createRun("copy");
            long runId = RawCopy.runId(service.dataSource(), "copy");
            RawCopy.tensorNames(service.dataSource(), runId);
            String checkpoints = RawCopy.checkpointRows(runId, data, true);
            String tensors = RawCopy.tensorRows(runId, data);
            long t1 = System.nanoTime();
            RawCopy.copy(service.dataSource(), checkpoints, tensors);
            double copySeconds = (System.nanoTime() - t1) / 1e9;

            double http = n / httpSeconds;
            double raw = n / copySeconds;
            return List.of(new Result(name(), "HTTP ingestion (" + n + " checkpoints, " + UPLOADERS + " uploaders)",
                    http, "checkpoints/s", raw, http / raw, ">= 0.4x raw COPY", http / raw >= 0.4));
        }
    }

    private static List<byte[]> bodies(List<CheckpointGenerator.Generated> data) {
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
