package dev.driftwatch.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark harness: runs every benchmark (or those named on the command line) and prints one
 * table of results, each with its baseline measured in the same run.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/driftwatch-benchmarks.jar [--quick] [name ...]
 * </pre>
 */
public final class Benchmarks {

    /** Every benchmark, in the order they run. */
    static List<Benchmark> all() {
        List<Benchmark> all = new ArrayList<>();
        all.add(new ListenerBenchmark());
        all.add(new TensorOpsBenchmark());
        all.add(new StreamingBenchmark());
        all.add(new IngestBenchmark());
        all.add(new TrajectoryBenchmark());
        all.add(new AlertLatencyBenchmark());
        all.add(new ForecastRuleBenchmark());
        all.add(new UiChartBenchmark());
        return all;
    }

    private Benchmarks() {}

    /**
     * Runs the benchmarks.
     *
     * @param args {@code --quick} for a short run, then optional benchmark names
     * @throws Exception when a benchmark fails
     */
    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        List<String> names = Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
        List<Benchmark.Result> results = new ArrayList<>();
        for (Benchmark b : all()) {
            if (!names.isEmpty() && !names.contains(b.name())) {
                continue;
            }
            System.err.printf("== running %s%s%n", b.name(), quick ? " (quick)" : "");
            results.addAll(b.run(quick));
        }
        System.out.print(table(results));
    }

    /**
     * Formats results as a Markdown table.
     *
     * @param results the rows
     * @return the table text
     */
    static String table(List<Benchmark.Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | measurement | value | unit | baseline | ratio | target | met |\n");
        sb.append("| --- | --- | ---: | --- | ---: | ---: | --- | --- |\n");
        for (Benchmark.Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.benchmark(), r.measurement(), num(r.value()), r.unit(), num(r.baseline()),
                    Double.isNaN(r.ratio()) ? "" : String.format(Locale.ROOT, "%.3f", r.ratio()),
                    r.target() == null ? "" : r.target(),
                    r.met() == null ? "" : (r.met() ? "yes" : "NO")));
        }
        return sb.toString();
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
