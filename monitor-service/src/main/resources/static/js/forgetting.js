/* driftwatch run page: forgetting (measured or predicted), the drift forecast band and the
   recommended checkpoint, from the run's forgetting API; refreshed whenever the run page reloads. */
'use strict';

(() => {
  const panel = document.getElementById('forgetting');
  if (!panel) return;
  const api = panel.dataset.api;
  const trajectoryApi = document.getElementById('run').dataset.api + '/trajectory';
  const fmt = DW.fmt;
  let chart = null;

  function text(id, value) {
    document.getElementById(id).textContent = value;
  }

  function summary(f) {
    if (f.observed) {
      const o = f.observed;
      return `Measured ${o.target} at step ${o.step}: ${fmt(o.forgetting)} nats/token (95% CI ${fmt(o.low)}–${fmt(o.high)})`
        + (o.accuracyDrop !== null && o.accuracyDrop !== undefined ? `, accuracy drop ${fmt(o.accuracyDrop * 100)} points.` : '.');
    }
    if (f.predicted) {
      const p = f.predicted;
      return `Predicted forgetting at step ${p.step} (no labels on this run's probes): ${fmt(p.estimate)} nats/token`
        + ` (95% prediction interval ${fmt(p.low)}–${fmt(p.high)}), from ${p.metric} on ${p.slice} = ${fmt(p.drift)}`
        + ` (R² ${fmt(p.r2)} over ${p.points} labelled checkpoints of comparable runs).`;
    }
    return 'Forgetting is not measured (the probes carry no labels) and no comparable run has labelled probes to predict it from.';
  }

  function drawForecast(t, forecast) {
    const el = document.getElementById('chart-forecast');
    const steps = Array.from(t.steps);
    // a band of many orders of magnitude (informative: false) would squash the measured drift to the axis: the
    // summary gives its interval instead
    const band = forecast && forecast.band && (!forecast.atFinal || forecast.atFinal.informative) ? forecast.band : [];
    const bandSteps = band.map(b => b.step);
    const xs = steps.concat(bandSteps.filter(s => s > (steps.length ? steps[steps.length - 1] : -1)));
    const kl = DW.nums(t.values);
    const at = new Map(band.map(b => [b.step, b]));
    const pick = key => xs.map(s => (at.has(s) ? at.get(s)[key] : null));
    const data = [xs, xs.map((s, i) => (i < kl.length ? kl[i] : null)), pick('estimate'), pick('low'), pick('high')];
    if (!chart) {
      chart = DW.lineChart(el, '', [
        { label: 'KL mean', stroke: DW.PALETTE[0], width: 2 },
        { label: 'forecast', stroke: DW.PALETTE[1], dash: [6, 4] },
        { label: 'forecast low', stroke: 'rgba(217,72,43,0.4)' },
        { label: 'forecast high', stroke: 'rgba(217,72,43,0.4)' },
      ], [{ series: [4, 3], fill: 'rgba(217,72,43,0.12)' }], null, 'nats/token');
    }
    chart.setData(data);
    el.dataset.forecastPoints = String(band.length);
  }

  // the law with the most weight in the forecast (docs/forgetting.md, "Forecasting a run's drift")
  function lawText(a) {
    switch (a.law) {
      case 'rational': return `likeliest law: levelling off, a power of t/(t + ${fmt(a.shift)})`;
      case 'exponential': return `likeliest law: levelling off, a power of 1 − e^(−t/${fmt(a.shift)})`;
      default: return `likeliest law: still growing, (t + ${fmt(a.shift)})^${fmt(a.exponent)}`;
    }
  }

  function forecastText(f) {
    const list = document.getElementById('forecast-backtest');
    list.innerHTML = '';
    if (!f.forecast) {
      text('forecast-summary', 'No forecast: the run states no planned final step (config "plannedSteps").');
      return;
    }
    const a = f.forecast.atFinal;
    // an interval wider than a factor of 100 (informative: false) says the estimate in it means little yet
    text('forecast-summary', a
      ? `Forecast KL at the planned step ${f.forecast.plannedSteps}: ` + (a.informative
        ? `${fmt(a.estimate)} (95% interval ${fmt(a.low)}–${fmt(a.high)}),`
        : `too uncertain to use yet (95% interval ${fmt(a.low)}–${fmt(a.high)}, median ${fmt(a.estimate)}),`)
        + ` from ${a.points} checkpoints up to step ${a.lastStep}; ${lawText(a)}.`
        + (a.informative ? '' : ' The checkpoints so far do not pin the law down.')
      : `No forecast to step ${f.forecast.plannedSteps} yet: ${f.forecast.missing}.`);
    for (const b of f.forecast.backtest) {
      const li = document.createElement('li');
      li.textContent = `Forecast made at ${Math.round(b.fraction * 100)}% of training (step ${b.madeAtStep}): `
        + (b.informative ? `${fmt(b.estimate)} (${fmt(b.low)}–${fmt(b.high)})`
          : `too uncertain to use (${fmt(b.low)}–${fmt(b.high)}, median ${fmt(b.estimate)})`)
        + ` against the final ${fmt(b.actual)}`
        + (b.relativeError === null ? '' : `: error ${fmt(b.relativeError * 100)}%`)
        + (b.covered ? ', inside the interval.' : ', outside the interval.');
      list.appendChild(li);
    }
  }

  /** Rows of the front shown at most: in a run whose loss falls while its drift grows, every checkpoint is on it. */
  const FRONT_ROWS = 12;

  /**
   * The indices of the front's rows to show: all of a short front; of a long one the first, the last, the
   * recommended checkpoint and the one after it (the first beyond the budget), and others spread between them
   * (each in the middle of the widest gap left). A run of 5000 checkpoints listed them all, a page 90,000 pixels
   * tall.
   */
  function shownFront(pareto, best) {
    const n = pareto.length;
    if (n <= FRONT_ROWS) return pareto.map((p, i) => i);
    const keep = new Set([0, n - 1]);
    const at = best ? pareto.findIndex(p => p.step === best.step) : -1;
    if (at >= 0) {
      keep.add(at);
      if (at + 1 < n) keep.add(at + 1);
    }
    // then the middle of the widest gap between the rows kept, until there are FRONT_ROWS of them
    while (keep.size < FRONT_ROWS) {
      const kept = Array.from(keep).sort((a, b) => a - b);
      let widest = 0;
      for (let i = 1; i < kept.length; i++) {
        if (kept[i] - kept[i - 1] > kept[widest + 1] - kept[widest]) widest = i - 1;
      }
      keep.add(Math.floor((kept[widest] + kept[widest + 1]) / 2));
    }
    return Array.from(keep).sort((a, b) => a - b);
  }

  function recommendation(f) {
    const body = document.querySelector('#pareto tbody');
    body.innerHTML = '';
    const r = f.recommendation;
    if (!r) {
      text('recommendation-summary', 'No checkpoint reports a task loss yet.');
      return;
    }
    text('recommendation-summary', r.best
      ? `Recommended: step ${r.best.step}, ${r.lossMetric} ${fmt(r.best.loss)}, KL ${fmt(r.best.drift)} (CI high ${fmt(r.best.driftHigh)}`
        + ` within the project's budget ${fmt(r.budget)}).`
      : `No checkpoint stays within the project's drift budget ${fmt(r.budget)} at its KL CI upper bound.`);
    const shown = shownFront(r.pareto, r.best);
    const note = document.getElementById('pareto-note');
    note.replaceChildren();
    if (shown.length < r.pareto.length) {
      const all = document.createElement('a');
      all.href = api;
      all.textContent = 'the run\'s forgetting API';
      note.append(`${shown.length} of the ${r.pareto.length} checkpoints on the front: the first, the last, the`
        + ' recommended one and the one after it, and others spread between them; all of them in ', all, '.');
    }
    for (const p of shown.map(i => r.pareto[i])) {
      const tr = document.createElement('tr');
      if (r.best && p.step === r.best.step) tr.className = 'recommended';
      for (const v of [String(p.step), fmt(p.loss), fmt(p.drift), fmt(p.driftHigh)]) {
        const td = document.createElement('td');
        td.className = 'num';
        td.textContent = v;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }

  async function load() {
    try {
      const el = document.getElementById('chart-forecast');
      const [f, t] = await Promise.all([DW.json(api),
        DW.json(trajectoryApi + '?' + DW.query({ metric: 'kl_base_ft', points: DW.pointsFor(el) }))]);
      text('forgetting-summary', summary(f));
      document.getElementById('forgetting-summary').classList.remove('muted');
      forecastText(f);
      drawForecast(t, f.forecast);
      recommendation(f);
      panel.dataset.loaded = String(Number(panel.dataset.loaded || 0) + 1);
    } catch (e) {
      console.error(e);
      DW.status(panel, e.message, true);
    }
  }

  document.addEventListener('driftwatch:reloaded', load);
})();
