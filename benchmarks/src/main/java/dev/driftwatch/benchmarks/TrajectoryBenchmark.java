package dev.driftwatch.benchmarks;

import java.net.http.HttpResponse;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * The trajectory of a 100k-checkpoint run downsampled to 1000 points through the HTTP API, against
 * the raw SQL that computes the same points (first, last, min and max of each of 250 step buckets)
 * inside PostgreSQL and fetches them over JDBC. The two point sets are checked to be equal.
 */
final class TrajectoryBenchmark implements Benchmark {

    private static final int POINTS = 1000;

    /** Same buckets as the service's Downsampler: points / 4 buckets of equal step width. */
    private static final String RAW_SQL = """
            SELECT min(ARRAY[step::float8, v]), max(ARRAY[step::float8, v]),
                   min(ARRAY[v, step::float8]), max(ARRAY[v, -step::float8])
            FROM (SELECT step, kl_mean AS v,
                         LEAST(? - 1, floor((step - ?) / ?::float8))::int AS bucket
                  FROM checkpoint WHERE run_id = ? AND kl_mean IS NOT NULL) t
            GROUP BY bucket
            """;

    @Override
    public String name() {
        return "trajectory";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        int n = quick ? 20_000 : 100_000;
        int reps = quick ? 15 : 50;
        try (ServiceUnderBenchmark service = new ServiceUnderBenchmark()) {
            DataSource ds = service.dataSource();
            service.createRun("long");
            long runId = RawCopy.runId(ds, "long");
            CheckpointGenerator gen = new CheckpointGenerator();
            for (int from = 0; from < n; from += 10_000) {
                List<CheckpointGenerator.Generated> chunk = new ArrayList<>();
                for (int i = from; i < Math.min(n, from + 10_000); i++) {
                    chunk.add(gen.next(i));
                }
                RawCopy.copy(ds, RawCopy.checkpointRows(runId, chunk, false), null);
            }
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE checkpoint"); // what autovacuum does to a table after a bulk load
            }
            String path = "/api/v1/projects/" + ServiceUnderBenchmark.PROJECT + "/runs/long/trajectory?ci=false&points=" + POINTS;
            TreeMap<Long, Double> served = null;
            TreeMap<Long, Double> raw = null;
            for (int i = 0; i < 10; i++) {
                served = parse(service.send("GET", path, null));
                raw = rawPoints(ds, runId, n);
            }
            if (!served.equals(raw)) {
                throw new IllegalStateException("the service and the raw SQL disagree: " + served.size() + " vs "
                        + raw.size() + " points");
            }
            double[] httpMs = new double[reps];
            double[] sqlMs = new double[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                parse(service.send("GET", path, null));
                httpMs[i] = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();
                rawPoints(ds, runId, n);
                sqlMs[i] = (System.nanoTime() - t1) / 1e6;
            }
            double http = median(httpMs);
            double sql = median(sqlMs);
            return List.of(
                    new Result(name(), "p50 trajectory, " + n + " checkpoints -> " + served.size() + " points",
                            http, "ms", sql, http / sql, "<= 3x raw SQL", http / sql <= 3.0),
                    new Result(name(), "p50 trajectory absolute", http, "ms", Double.NaN, Double.NaN, "<= 30 ms",
                            http <= 30.0));
        }
    }

    private static TreeMap<Long, Double> parse(HttpResponse<byte[]> response) {
        JsonNode t = JsonMapper.shared().readTree(response.body());
        TreeMap<Long, Double> out = new TreeMap<>();
        for (int i = 0; i < t.get("steps").size(); i++) {
            out.put(t.get("steps").get(i).longValue(), t.get("values").get(i).doubleValue());
        }
        return out;
    }

    private static TreeMap<Long, Double> rawPoints(DataSource ds, long runId, int n) throws Exception {
        TreeMap<Long, Double> out = new TreeMap<>();
        int buckets = POINTS / 4;
        double width = (double) n / buckets;
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(RAW_SQL)) {
            ps.setInt(1, buckets);
            ps.setLong(2, 0);
            ps.setDouble(3, width);
            ps.setLong(4, runId);
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
