package dev.driftwatch.plugin.math;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.plugin.report.CheckpointSummaries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Turns per-example values (one row of metrics per probe example) into the checkpoint's aggregates:
 * mean, p50, p90, p99, max and the bootstrap 95% interval of the mean, over all examples and per
 * slice, plus the examples that drifted most.
 */
public final class Aggregates {

    private final StratifiedBootstrap bootstrap;
    private final int topExamples;

    /**
     * Creates an aggregator.
     *
     * @param bootstrap the bootstrap for the intervals
     * @param topExamples how many top drifting examples to list
     */
    public Aggregates(StratifiedBootstrap bootstrap, int topExamples) {
        this.bootstrap = bootstrap;
        this.topExamples = topExamples;
    }

    /**
     * Aggregates the rows.
     *
     * @param rows row-major values, {@code rows[i * names.size() + m]}
     * @param names the metric name of each column
     * @param ids the example ids
     * @param sliceNames the distinct slice names
     * @param sliceOf the slice index of each example
     * @param rankBy the column the top examples are ranked by
     * @return the aggregates
     */
    public CheckpointSummaries aggregate(double[] rows, List<String> names, List<String> ids, List<String> sliceNames,
            int[] sliceOf, int rankBy) {
        return aggregate(rows, names, ids, sliceNames, sliceOf, rankBy,
                bootstrap.run(rows, names.size(), sliceOf, sliceNames.size()));
    }

    /**
     * Aggregates the rows with intervals computed elsewhere (e.g. by a {@link DeviceBootstrap}).
     *
     * @param rows row-major values, {@code rows[i * names.size() + m]}
     * @param names the metric name of each column
     * @param ids the example ids
     * @param sliceNames the distinct slice names
     * @param sliceOf the slice index of each example
     * @param rankBy the column the top examples are ranked by
     * @param ci the bootstrap intervals of the rows
     * @return the aggregates
     */
    public CheckpointSummaries aggregate(double[] rows, List<String> names, List<String> ids, List<String> sliceNames,
            int[] sliceOf, int rankBy, StratifiedBootstrap.Intervals ci) {
        int m = names.size();
        int n = sliceOf.length;
        int strata = sliceNames.size();

        // Sort each metric's values once per slice: slice members first gathered contiguously.
        int[] start = new int[strata + 1];
        for (int s : sliceOf) {
            start[s + 1]++;
        }
        for (int s = 0; s < strata; s++) {
            start[s + 1] += start[s];
        }
        int[] order = new int[n];
        int[] fill = start.clone();
        for (int i = 0; i < n; i++) {
            order[fill[sliceOf[i]]++] = i;
        }
        Map<String, MetricSummary> overall = new LinkedHashMap<>();
        List<Map<String, MetricSummary>> perSlice = new ArrayList<>();
        for (int s = 0; s < strata; s++) {
            perSlice.add(new LinkedHashMap<>());
        }
        double[] column = new double[n];
        double[] all = new double[n];
        for (int c = 0; c < m; c++) {
            for (int k = 0; k < n; k++) {
                column[k] = rows[order[k] * m + c];
            }
            for (int s = 0; s < strata; s++) {
                Arrays.sort(column, start[s], start[s + 1]);
                perSlice.get(s).put(names.get(c),
                        summary(column, start[s], start[s + 1], ci.low()[s][c], ci.high()[s][c]));
            }
            mergeSortedRuns(column, start, all);
            overall.put(names.get(c), summary(all, 0, n, ci.overallLow()[c], ci.overallHigh()[c]));
        }
        List<SliceSummary> slices = new ArrayList<>(strata);
        for (int s = 0; s < strata; s++) {
            slices.add(new SliceSummary(sliceNames.get(s), start[s + 1] - start[s], perSlice.get(s)));
        }
        return new CheckpointSummaries(overall, slices, top(rows, m, rankBy, names.get(rankBy), ids, sliceNames, sliceOf));
    }

    /** Most slices for which merging the sorted slices beats sorting all values again. */
    private static final int MAX_MERGED_RUNS = 8;

    /**
     * Writes the values of the sorted runs {@code in[start[s], start[s + 1])} to {@code out}, sorted:
     * merged when there are few runs (the slices are sorted already), else sorted again.
     */
    private static void mergeSortedRuns(double[] in, int[] start, double[] out) {
        int runs = start.length - 1;
        if (runs > MAX_MERGED_RUNS) {
            System.arraycopy(in, 0, out, 0, out.length);
            Arrays.sort(out);
            return;
        }
        int[] at = Arrays.copyOf(start, runs);
        for (int k = 0; k < out.length; k++) {
            int best = -1;
            for (int s = 0; s < runs; s++) {
                if (at[s] < start[s + 1] && (best < 0 || in[at[s]] < in[at[best]])) {
                    best = s;
                }
            }
            out[k] = in[at[best]++];
        }
    }

    private List<TopExample> top(double[] rows, int m, int rankBy, String metric, List<String> ids,
            List<String> sliceNames, int[] sliceOf) {
        PriorityQueue<Integer> heap = new PriorityQueue<>(
                (a, b) -> Double.compare(rows[a * m + rankBy], rows[b * m + rankBy]));
        for (int i = 0; i < sliceOf.length; i++) {
            heap.add(i);
            if (heap.size() > topExamples) {
                heap.poll();
            }
        }
        List<TopExample> top = new ArrayList<>(heap.size());
        while (!heap.isEmpty()) {
            int i = heap.poll();
            top.add(new TopExample(ids.get(i), sliceNames.get(sliceOf[i]), metric, rows[i * m + rankBy]));
        }
        java.util.Collections.reverse(top);
        return top;
    }

    /**
     * Summarises a sorted range.
     *
     * @param sorted values sorted ascending in {@code [from, to)}
     * @param from first index
     * @param to end index, exclusive
     * @param ciLow the interval's lower bound
     * @param ciHigh the interval's upper bound
     * @return the summary; the interval is widened to contain the mean if rounding or skew left it out, and kept
     *     within the smallest and largest value
     */
    public static MetricSummary summary(double[] sorted, int from, int to, double ciLow, double ciHigh) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += sorted[i];
        }
        // the exact mean lies between the smallest and the largest value; the rounded one can pass them by an ulp
        // (three values of 0.1 average to 0.10000000000000002), out of a metric's range (JS <= ln 2)
        double mean = Math.max(sorted[from], Math.min(sorted[to - 1], sum / (to - from)));
        double tailIndex = TailIndex.hill(sorted, from, to);
        return new MetricSummary(to - from, mean,
                Quantiles.ofSorted(sorted, from, to, 0.5),
                Quantiles.ofSorted(sorted, from, to, 0.9),
                Quantiles.ofSorted(sorted, from, to, 0.99),
                sorted[to - 1],
                // within the values' range, which a stratified bound (a weighted sum of slice minima, weights summing
                // to 1 only up to rounding) can leave by one ulp: out of a metric's range, which the service refuses
                Math.max(sorted[from], Math.min(ciLow, mean)),
                Math.min(sorted[to - 1], Math.max(ciHigh, mean)),
                Double.isFinite(tailIndex) ? tailIndex : null,
                null);
    }
}
