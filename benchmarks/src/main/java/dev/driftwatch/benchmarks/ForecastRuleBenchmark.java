package dev.driftwatch.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a {@code forecast} alert rule costs ingestion: the rule forecasts the run's drift at its planned final step
 * once per uploaded checkpoint, from the checkpoints up to it (docs/alerting.md), inside the upload. Uploads a
 * run's checkpoints in batches of 100 with a forecast rule watching the run, against the same uploads to a run no
 * rule watches, in the same service; rounds alternate and each side keeps its best round.
 */
final class ForecastRuleBenchmark implements Benchmark {

    @Override
    public String name() {
        return "forecast-rule";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        int n = quick ? 300 : 1000;
        List<byte[]> bodies = IngestBenchmark.bodies(new CheckpointGenerator().next(1, n));
        try (ServiceUnderBenchmark service = new ServiceUnderBenchmark()) {
            upload(service, "warmup-plain", n, bodies, false); // the JIT, the pool and the forecast's code
            upload(service, "warmup-ruled", n, bodies, true);
            double plain = Double.MAX_VALUE;
            double ruled = Double.MAX_VALUE;
            for (int round = 0; round < (quick ? 1 : 3); round++) {
                plain = Math.min(plain, upload(service, "plain-" + round, n, bodies, false));
                ruled = Math.min(ruled, upload(service, "ruled-" + round, n, bodies, true));
            }
            return List.of(new Result(name(), "upload of " + n + " checkpoints (batches of " + IngestBenchmark.BATCH
                    + ") with a forecast rule watching the run vs without", ruled * 1e3, "ms", plain * 1e3,
                    ruled / plain, "", null),
                    new Result(name(), "the rule's forecasts, per checkpoint", (ruled - plain) * 1e3 / n, "ms",
                            Double.NaN, Double.NaN, "", null));
        }
    }

    /** Creates a run planned for {@code n} steps (watched by a forecast rule of its own, or not); returns seconds. */
    private static double upload(ServiceUnderBenchmark service, String run, int n, List<byte[]> bodies,
            boolean watched) {
        String project = "/api/v1/projects/" + ServiceUnderBenchmark.PROJECT;
        service.createRun(run, "{\"plannedSteps\":\"" + 2 * n + "\"}");
        if (watched) {
            // a budget no forecast reaches: the rule evaluates at every checkpoint and never fires
            service.send("POST", project + "/alert-rules", ("{\"name\":\"forecast " + run + "\",\"scope\":{\"run\":\""
                    + run + "\"},\"channels\":[],\"condition\":{\"type\":\"forecast\",\"threshold\":1e6}}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        long t0 = System.nanoTime();
        for (byte[] b : bodies) {
            service.send("POST", project + "/runs/" + run + "/checkpoints", b);
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
