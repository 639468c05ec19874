package dev.driftwatch.benchmarks;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.query.Downsampler;
import dev.driftwatch.monitor.query.MetricRef;
import dev.driftwatch.monitor.query.TrajectoryService;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import javax.sql.DataSource;
import tools.jackson.databind.JsonNode;

/**
 * A run's headline trajectory downsampled to 1000 points through the HTTP API (served from the coarse
 * level, {@code checkpoint_coarse}), for runs of 100k, 1M and 10M checkpoints in one database, against
 * the raw SQL that computes the same points (first, last, min and max of each of the downsampler's
 * aligned buckets) inside PostgreSQL over the same covering index, measured in the same run. The two
 * point sets are checked to be equal for every size.
 *
 * <p>The runs are loaded with COPY as slim rows (the headline and its CI; the trajectory reads nothing
 * else), which also maintains the coarse level through its trigger. The 10M run is loaded only in the
 * full mode ({@code --quick} uses 20k and 200k).
 */
final class TrajectoryBenchmark implements Benchmark {

    private static final int POINTS = 1000;

    /** The downsampler's buckets: aligned, of width ? steps; each keeps first, last, min and max. */
    private static final String RAW_SQL = """
            SELECT min(ARRAY[step::float8, v]), max(ARRAY[step::float8, v]),
                   min(ARRAY[v, step::float8]), max(ARRAY[v, -step::float8])
            FROM (SELECT step, kl_mean AS v, step / ? AS bucket
                  FROM checkpoint WHERE run_id = ? AND kl_mean IS NOT NULL) t
            GROUP BY bucket
            """;

    @Override
    public String name() {
        return "trajectory";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        long[] sizes = quick ? new long[] {20_000, 200_000} : new long[] {100_000, 1_000_000, 10_000_000};
        List<Result> results = new ArrayList<>();
        try (ServiceUnderBenchmark service = new ServiceUnderBenchmark()) {
            DataSource ds = service.dataSource();
            // the fixed cost of a request (HTTP, token, run lookup, transaction): a one-checkpoint run
            service.createRun("tiny");
            RawCopy.slimTrajectory(ds, RawCopy.runId(ds, "tiny"), 1, 1, step -> 0.1);
            String tinyPath = "/api/v1/projects/" + ServiceUnderBenchmark.PROJECT + "/runs/tiny/trajectory?ci=false&points="
                    + POINTS;
            double[] tinyMs = new double[40];
            for (int i = 0; i < 240; i++) { // 200 warm-up requests, as for the long runs below
                long start = System.nanoTime();
                parse(service.send("GET", tinyPath, null));
                if (i >= 200) {
                    tinyMs[i - 200] = (System.nanoTime() - start) / 1e6;
                }
            }
            results.add(new Result(name(), "p50 trajectory of a 1-checkpoint run (a request's fixed cost)",
                    median(tinyMs), "ms", Double.NaN, Double.NaN, null, null));
            double first = Double.NaN;
            double firstInProcess = Double.NaN;
            for (long n : sizes) {
                String key = "long-" + n;
                service.createRun(key);
                long runId = RawCopy.runId(ds, key);
                java.util.SplittableRandom random = new java.util.SplittableRandom(n);
                long t0 = System.nanoTime();
                RawCopy.slimTrajectory(ds, runId, n, 200_000, step -> 0.05 + 0.5 * random.nextDouble());
                double loadSeconds = (System.nanoTime() - t0) / 1e9;
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    // what autovacuum does after a bulk load: statistics and the visibility map that lets
                    // the raw SQL scan the covering index alone
                    s.execute("VACUUM ANALYZE checkpoint");
                    s.execute("VACUUM ANALYZE checkpoint_coarse");
                }
                System.err.printf("   loaded %d checkpoints with COPY in %.1f s%n", n, loadSeconds);
                String path = "/api/v1/projects/" + ServiceUnderBenchmark.PROJECT + "/runs/" + key
                        + "/trajectory?ci=false&points=" + POINTS; // the raw SQL reads no CI
                long width = Downsampler.bucketWidth(0, n - 1, POINTS);
                TreeMap<Long, Double> served = parse(service.send("GET", path, null));
                TreeMap<Long, Double> raw = rawPoints(ds, runId, width);
                if (!served.equals(raw)) {
                    throw new IllegalStateException("the service and the raw SQL disagree at " + n + ": "
                            + served.size() + " vs " + raw.size() + " points");
                }
                // through HTTP, and the trajectory service alone (the same call the controller makes), alternately
                TrajectoryService trajectories = service.bean(TrajectoryService.class);
                MetricRef headline = MetricRef.parse("kl_base_ft", "mean");
                // warm-up of both paths until the JIT has compiled them (a p50 of steady state; 10 requests
                // left the first size measured half-interpreted: 43 ms at 100k vs 23 ms at 10M)
                for (int i = 0; i < 200; i++) {
                    parse(service.send("GET", path, null));
                    trajectories.trajectory(runId, key, headline, null, null, POINTS, false);
                }
                int reps = 60;
                double[] httpMs = new double[reps];
                double[] serviceMs = new double[reps];
                for (int i = 0; i < reps; i++) {
                    long start = System.nanoTime();
                    parse(service.send("GET", path, null));
                    httpMs[i] = (System.nanoTime() - start) / 1e6;
                    start = System.nanoTime();
                    trajectories.trajectory(runId, key, headline, null, null, POINTS, false);
                    serviceMs[i] = (System.nanoTime() - start) / 1e6;
                }
                // the raw scan takes seconds at 10M: fewer repetitions, still a median
                int rawReps = n >= 5_000_000 ? 5 : n >= 500_000 ? 9 : 21;
                double[] sqlMs = new double[rawReps];
                for (int i = 0; i < rawReps; i++) {
                    long start = System.nanoTime();
                    rawPoints(ds, runId, width);
                    sqlMs[i] = (System.nanoTime() - start) / 1e6;
                }
                double http = median(httpMs);
                double inProcess = median(serviceMs);
                double sql = median(sqlMs);
                results.add(new Result(name(), "p50 trajectory, " + n + " checkpoints -> " + served.size()
                        + " points, vs raw SQL over the same index", http, "ms", sql, http / sql, "<= 30 ms",
                        http <= 30.0));
                results.add(new Result(name(), "p50 of the same without HTTP (TrajectoryService), vs raw SQL", inProcess,
                        "ms", sql, inProcess / sql, "<= 30 ms", inProcess <= 30.0));
                if (Double.isNaN(first)) {
                    first = http;
                    firstInProcess = inProcess;
                } else {
                    results.add(new Result(name(), "p50 trajectory, " + n + " vs " + sizes[0] + " checkpoints",
                            http, "ms", first, http / first, "<= 2x (flat)", http / first <= 2.0));
                    results.add(new Result(name(), "the same without HTTP, " + n + " vs " + sizes[0] + " checkpoints",
                            inProcess, "ms", firstInProcess, inProcess / firstInProcess, "<= 2x (flat)",
                            inProcess / firstInProcess <= 2.0));
                }
            }
        }
        return results;
    }

    private static TreeMap<Long, Double> parse(ApiClient.Answer response) {
        JsonNode t = response.json();
        TreeMap<Long, Double> out = new TreeMap<>();
        for (int i = 0; i < t.get("steps").size(); i++) {
            out.put(t.get("steps").get(i).longValue(), t.get("values").get(i).doubleValue());
        }
        return out;
    }

    private static TreeMap<Long, Double> rawPoints(DataSource ds, long runId, long width) throws Exception {
        TreeMap<Long, Double> out = new TreeMap<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(RAW_SQL)) {
            ps.setLong(1, width);
            ps.setLong(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    for (int col = 1; col <= 4; col++) {
                        Double[] a = (Double[]) ((Array) rs.getArray(col)).getArray();
                        if (col <= 2) {
                            out.put(a[0].longValue(), a[1]);
                        } else {
                            out.put(Math.abs(a[1].longValue()), a[0]);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
