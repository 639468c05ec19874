/* The compare page: up to 20 runs overlaid on one metric, from the compare API. */
'use strict';

(() => {
  const root = document.getElementById('compare');
  const el = document.getElementById('chart-compare');
  if (!el || !root.dataset.runs) return;
  const metric = document.getElementById('metric').value;
  const range = { from: null, to: null };
  let chart = null;

  async function load() {
    const c = await DW.json(root.dataset.api + '?' + DW.query({
      runs: root.dataset.runs, metric: metric, points: DW.pointsFor(el), from: range.from, to: range.to }));
    // one x array for all runs: the union of their steps; a run has null where it has no point
    const steps = Array.from(new Set(c.runs.flatMap(t => Array.from(t.steps)))).sort((a, b) => a - b);
    const index = new Map(steps.map((v, i) => [v, i]));
    const data = [steps];
    const series = c.runs.map((t, i) => {
      const col = steps.map(() => null);
      Array.from(t.steps).forEach((st, j) => { col[index.get(st)] = DW.num(t.values[j]); });
      data.push(col);
      return { label: t.runKey, stroke: DW.PALETTE[i % DW.PALETTE.length], width: 1.5, spanGaps: true };
    });
    if (chart) chart.destroy();
    chart = DW.lineChart(el, '', series, [], (from, to) => { range.from = from; range.to = to; load(); }, '');
    chart.setData(data);
    el.dataset.series = String(c.runs.length);
    document.getElementById('reset-zoom').hidden = range.from === null;
    root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
  }

  document.getElementById('reset-zoom').addEventListener('click', () => { range.from = null; range.to = null; load(); });
  load().catch(e => DW.status(el, e.message, true));
})();
