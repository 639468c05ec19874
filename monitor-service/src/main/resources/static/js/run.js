/* The run page: trajectory with CI band, metric picker, slices, distribution, heatmap, top examples, live. */
'use strict';

(() => {
  const root = document.getElementById('run');
  const api = root.dataset.api;
  const metricSelect = document.getElementById('metric');
  const range = { from: null, to: null };
  const charts = {};

  /** The metric picker's value as the API's metric and stat parameters. */
  function metric() {
    return metricSelect.value;
  }

  /** Whether the picked metric has statistics and slices (scalars and task metrics have neither). */
  function isDistribution(m) {
    const option = Array.from(metricSelect.options).find(o => o.value === m);
    return !option || option.dataset.distribution !== 'false';
  }

  function setRangeText() {
    const t = document.getElementById('range');
    t.textContent = range.from === null ? 'all steps' : 'steps ' + range.from + '–' + range.to;
    document.getElementById('reset-zoom').hidden = range.from === null;
  }

  function zoom(from, to) {
    range.from = from;
    range.to = to;
    reloadSeries();
  }

  // ---- main trajectory with its CI band -------------------------------------------------------
  function mainChart() {
    const el = document.getElementById('chart-main');
    const m = metric();
    if (charts.main) charts.main.destroy();
    const series = [{ label: m + ' mean', stroke: DW.PALETTE[0], width: 1.5 }];
    let bands = [];
    if (isDistribution(m)) {
      series.push({ label: 'CI low', stroke: 'rgba(43,95,217,0.35)', width: 1 });
      series.push({ label: 'CI high', stroke: 'rgba(43,95,217,0.35)', width: 1 });
      bands = [{ series: [3, 2], fill: 'rgba(43,95,217,0.15)' }];
    } else {
      series[0].label = m;
    }
    charts.main = DW.lineChart(el, '', series, bands, zoom, '');
    el.querySelector('.uplot').addEventListener('click', () => {
      const u = charts.main;
      if (u.cursor.idx !== null && u.cursor.idx !== undefined && u.data[0].length > 0) {
        showTopExamples(u.data[0][u.cursor.idx]);
      }
    });
  }

  /** The per-token sampled estimates; each is checked against the other (docs/metrics.md, sampled drift). */
  const SAMPLED = { kl_ft_base_k1: 'kl_ft_base_k3', kl_ft_base_k3: 'kl_ft_base_k1' };

  /**
   * Under the chart of k1 or k3: the checkpoints where the two intervals do not overlap. Both estimate the
   * same KL from the same draws, so there one of them missed, and it is k3 (it falls short under strong
   * drift); the plugin logs the same warning.
   */
  async function sampledNote(m, t) {
    const note = document.getElementById('sampled-note');
    const other = SAMPLED[m];
    if (!other || !t.ciLow || !t.ciHigh) {
      note.hidden = true;
      return;
    }
    const o = await DW.json(api + '/trajectory?' + DW.query({
      metric: other, ci: true, points: DW.pointsFor(document.getElementById('chart-main')),
      from: range.from, to: range.to }));
    if (metric() !== m) return; // the picker moved on meanwhile
    const interval = new Map();
    Array.from(o.steps).forEach((s, i) => interval.set(s, [o.ciLow ? DW.num(o.ciLow[i]) : null, o.ciHigh ? DW.num(o.ciHigh[i]) : null]));
    const disagree = [];
    Array.from(t.steps).forEach((s, i) => {
      const b = interval.get(s);
      const lo = DW.num(t.ciLow[i]);
      const hi = DW.num(t.ciHigh[i]);
      if (b && b[0] !== null && b[1] !== null && lo !== null && hi !== null && (hi < b[0] || b[1] < lo)) {
        disagree.push(s);
      }
    });
    note.hidden = disagree.length === 0;
    note.dataset.steps = disagree.join(',');
    note.textContent = disagree.length === 0 ? '' : 'k1 and k3 disagree at ' + disagree.length
        + (disagree.length === 1 ? ' checkpoint' : ' checkpoints') + ' (step ' + disagree.slice(0, 8).join(', ')
        + (disagree.length > 8 ? ', …' : '') + '): their 95% intervals do not overlap. Under strong drift k3 and'
        + ' its interval fall short (it leans on tokens the fine-tuned model seldom samples); trust k1 and'
        + ' kl_ft_base_sampled there.'
        + ' See docs/metrics.md, sampled drift.';
  }

  async function loadMain() {
    const el = document.getElementById('chart-main');
    const m = metric();
    const t = await DW.json(api + '/trajectory?' + DW.query({
      metric: m, ci: isDistribution(m), points: DW.pointsFor(el), from: range.from, to: range.to }));
    const data = [Array.from(t.steps), DW.nums(t.values)];
    if (isDistribution(m)) {
      data.push(t.ciLow ? DW.nums(t.ciLow) : data[1].map(() => null));
      data.push(t.ciHigh ? DW.nums(t.ciHigh) : data[1].map(() => null));
    }
    charts.main.setData(data);
    if (performance.getEntriesByName('driftwatch:chart-drawn').length === 0) {
      // uPlot draws synchronously in setData: this is when the first chart is on screen (read by the benchmark)
      performance.mark('driftwatch:chart-drawn');
    }
    sampledNote(m, t).catch(() => { document.getElementById('sampled-note').hidden = true; });
    el.dataset.points = String(t.steps.length);
    el.dataset.lastStep = t.steps.length ? String(t.steps[t.steps.length - 1]) : '';
    document.getElementById('unit').textContent = t.unit ? '(' + t.unit + ')' : '';
    DW.status(el, t.steps.length + ' of ' + t.sourcePoints + ' checkpoints' + (t.downsampled ? ' (downsampled: drag to zoom)' : ''));
  }

  // ---- per-slice lines ---------------------------------------------------------------------------
  async function loadSlices() {
    const el = document.getElementById('chart-slices');
    const m = metric();
    if (!isDistribution(m)) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const s = await DW.json(api + '/slices?' + DW.query({
      metric: m, points: DW.pointsFor(el), from: range.from, to: range.to }));
    // align every slice on the union of their steps; uPlot needs one x array
    const steps = Array.from(new Set(s.slices.flatMap(x => Array.from(x.steps)))).sort((a, b) => a - b);
    const index = new Map(steps.map((v, i) => [v, i]));
    const data = [steps];
    const series = [];
    s.slices.forEach((slice, i) => {
      const offTask = slice.slice.startsWith('off-task');
      const col = steps.map(() => null);
      slice.steps.forEach((st, j) => { col[index.get(st)] = DW.num(slice.values[j]); });
      data.push(col);
      series.push({ label: slice.slice + (offTask ? ' (off-task)' : ''), stroke: DW.PALETTE[i % DW.PALETTE.length],
        width: offTask ? 2 : 1.5, dash: offTask ? [6, 4] : undefined, spanGaps: true });
    });
    if (charts.slices) charts.slices.destroy();
    charts.slices = null;
    el.querySelectorAll('.uplot').forEach(n => n.remove());
    el.dataset.slices = String(s.slices.length);
    if (s.slices.length === 0) { // (the sampled estimates are measured over all probes together)
      DW.status(el, 'no per-slice values of ' + m);
      return;
    }
    charts.slices = DW.lineChart(el, '', series, [], zoom, '');
    charts.slices.setData(data);
    DW.status(el, s.slices.length + ' slices; dashed = off-task');
  }

  // ---- per-example distribution: p50 / p90 / p99 ------------------------------------------------
  async function loadDistribution() {
    const el = document.getElementById('chart-dist');
    const m = metric();
    if (!isDistribution(m)) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const stats = ['p50', 'p90', 'p99'];
    const ts = await Promise.all(stats.map(stat => DW.json(api + '/trajectory?' + DW.query({
      metric: m, stat: stat, ci: false, points: DW.pointsFor(el), from: range.from, to: range.to }))));
    // the three series are downsampled independently; align them on p50's steps by step lookup
    const steps = Array.from(ts[0].steps);
    const data = [steps].concat(ts.map(t => {
      const byStep = new Map(Array.from(t.steps, (st, i) => [st, DW.num(t.values[i])]));
      return steps.map(st => byStep.has(st) ? byStep.get(st) : null);
    }));
    if (!charts.dist) {
      charts.dist = DW.lineChart(el, '', [
        { label: 'p50', stroke: '#2e9d4f', width: 1.5, spanGaps: true },
        { label: 'p90', stroke: '#d99a2b', width: 1.5, spanGaps: true },
        { label: 'p99', stroke: '#d9482b', width: 1.5, spanGaps: true }],
        [{ series: [3, 1], fill: 'rgba(217,154,43,0.12)' }], zoom, '');
    }
    charts.dist.setData(data);
  }

  // ---- parameter drift heatmap: tensors x checkpoints -------------------------------------------
  function color(t) {
    // white -> blue -> red, t in [0, 1]
    const c = t < 0.5 ? [255 - 2 * t * (255 - 43), 255 - 2 * t * (255 - 95), 255 - 2 * t * (255 - 217)]
      : [43 + (t - 0.5) * 2 * (217 - 43), 95 - (t - 0.5) * 2 * (95 - 43), 217 - (t - 0.5) * 2 * (217 - 43)];
    return 'rgb(' + c.map(Math.round).join(',') + ')';
  }

  async function loadHeatmap() {
    const el = document.getElementById('heatmap');
    const canvas = el.querySelector('canvas');
    const tip = document.getElementById('heatmap-tip');
    let h;
    try {
      h = await DW.json(api + '/tensors/history?' + DW.query({ stat: 'relative', points: 200, from: range.from, to: range.to }));
    } catch (e) {
      DW.status(el, 'no parameter drift recorded');
      return;
    }
    const rows = h.tensors.length;
    const cols = h.steps.length;
    if (rows === 0 || cols === 0) {
      DW.status(el, 'no parameter drift recorded');
      return;
    }
    // rows tall enough for their names; a model with many tensors scrolls inside the panel
    const cellH = Math.max(12, Math.min(18, Math.floor(480 / rows)));
    const parts = heatmapParts(el, canvas);
    parts.labels.replaceChildren(...h.tensors.map(name => {
      const d = document.createElement('div');
      d.textContent = name.length > 34 ? '…' + name.slice(-33) : name;
      d.title = name;
      d.style.height = d.style.lineHeight = cellH + 'px';
      return d;
    }));
    const width = Math.max(200, parts.grid.clientWidth - parts.labels.offsetWidth - 18);
    const cellW = width / cols;
    canvas.width = width;
    canvas.height = rows * cellH;
    let max = 0;
    h.values.forEach(r => r.forEach(v => { if (typeof v === 'number' && v > max) max = v; }));
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = h.values[i][j];
        ctx.fillStyle = typeof v === 'number' ? color(max > 0 ? v / max : 0) : '#eee';
        ctx.fillRect(j * cellW, i * cellH, Math.ceil(cellW), cellH);
      }
    }
    // the steps under the columns: about one label per 90 px, the first and the last always; a label closer
    // than 60 px to the last one's column makes way for it (they overlapped: "180" and "200" read "18200")
    parts.axis.style.marginLeft = parts.labels.offsetWidth + 'px';
    parts.axis.style.width = width + 'px';
    const every = Math.max(1, Math.ceil(cols / Math.max(1, Math.floor(width / 90))));
    const centre = j => (j + 0.5) * cellW;
    parts.axis.replaceChildren(...h.steps.flatMap((step, j) => {
      const last = j === cols - 1;
      if (!last && (j % every !== 0 || (j > 0 && centre(cols - 1) - centre(j) < 60))) {
        return [];
      }
      const t = document.createElement('span');
      t.textContent = step;
      t.style.left = Math.min(width - 20, centre(j)) + 'px';
      return [t];
    }));
    parts.high.textContent = DW.fmt(max);
    el.dataset.rows = String(rows);
    el.dataset.cols = String(cols);
    el.dataset.lastStep = String(h.steps[cols - 1]);
    const of = h.tensorCount > rows ? ' of the run\'s ' + h.tensorCount + ' (the latest checkpoints\')' : '';
    DW.status(el, rows + ' tensors' + of + ' × ' + cols + ' checkpoints, relative L2 drift, max ' + DW.fmt(max));
    let hot = null;
    canvas.onmousemove = ev => {
      const r = canvas.getBoundingClientRect();
      const i = Math.floor((ev.clientY - r.top) / cellH);
      const j = Math.floor((ev.clientX - r.left) / cellW);
      if (i >= 0 && i < rows && j >= 0 && j < cols) {
        tip.textContent = h.tensors[i] + ' @ step ' + h.steps[j] + ': ' + DW.fmt(h.values[i][j]);
        if (hot) hot.classList.remove('hot');
        hot = parts.labels.children[i];
        hot.classList.add('hot');
      }
    };
  }

  /**
   * The heatmap's parts, made at the first load: the tensor names beside the canvas (they scroll
   * together), the steps under it and the colour scale.
   */
  function heatmapParts(el, canvas) {
    let grid = el.querySelector('.heat-grid');
    if (!grid) {
      grid = document.createElement('div');
      grid.className = 'heat-grid';
      const labels = document.createElement('div');
      labels.className = 'heat-labels';
      grid.append(labels, canvas);
      const axis = document.createElement('div');
      axis.className = 'heat-axis';
      const legend = document.createElement('div');
      legend.className = 'heat-legend';
      const bar = document.createElement('span');
      bar.className = 'heat-bar';
      bar.style.background = 'linear-gradient(to right, ' + [0, 0.25, 0.5, 0.75, 1].map(color).join(', ') + ')';
      const high = document.createElement('span');
      high.className = 'heat-high';
      legend.append('0', bar, high, '(relative L2 drift ‖θ − θ₀‖ / ‖θ₀‖ of each tensor; steps under the columns)');
      el.append(grid, axis, legend);
    }
    return {
      grid: grid, labels: grid.querySelector('.heat-labels'), axis: el.querySelector('.heat-axis'),
      high: el.querySelector('.heat-high'),
    };
  }

  // ---- top drifting examples at a step ----------------------------------------------------------
  async function showTopExamples(step) {
    const body = document.querySelector('#top-examples tbody');
    const caption = document.getElementById('top-step');
    let t;
    try {
      t = await DW.json(api + '/top-examples?' + DW.query({ step: step }));
    } catch (e) {
      caption.textContent = e.message;
      return;
    }
    caption.textContent = 'at step ' + t.step;
    document.getElementById('top-step-input').value = t.step;
    body.replaceChildren();
    for (const ex of t.examples) {
      const tr = document.createElement('tr');
      for (const v of [ex.probeId, ex.slice, ex.metric, DW.fmt(ex.value)]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.appendChild(td);
      }
      tr.lastChild.className = 'num';
      body.appendChild(tr);
      if (ex.tokens) {
        const row = document.createElement('tr');
        row.className = 'token-row';
        const td = document.createElement('td');
        td.colSpan = 4;
        td.appendChild(tokenText(ex.tokens));
        row.appendChild(td);
        body.appendChild(row);
      }
    }
    if (t.examples.length === 0) {
      const tr = document.createElement('tr');
      tr.innerHTML = '<td colspan="4" class="muted">none recorded</td>';
      body.appendChild(tr);
    }
  }

  // ---- probe-size planner -----------------------------------------------------------------------
  async function showProbePlan(halfWidth) {
    const body = document.querySelector('#probe-plan tbody');
    const caption = document.getElementById('plan-step');
    const m = metric();
    if (m.startsWith('param:')) {
      caption.textContent = 'pick a distribution metric';
      body.replaceChildren();
      return;
    }
    let plan;
    try {
      if (halfWidth === null) {
        // default: a tenth of the latest mean
        const latest = await DW.json(api + '/probe-plan?' + DW.query({ metric: m, halfWidth: 1 }));
        halfWidth = Math.abs(latest.overall.mean) / 10 || 1;
        document.getElementById('plan-half-width').value = DW.fmt(halfWidth);
      }
      plan = await DW.json(api + '/probe-plan?' + DW.query({ metric: m, halfWidth: halfWidth }));
    } catch (e) {
      caption.textContent = e.message;
      return;
    }
    caption.textContent = m + ' at step ' + plan.step;
    body.replaceChildren();
    for (const row of [plan.overall].concat(plan.slices)) {
      const tr = document.createElement('tr');
      const heavy = row.tailIndex !== null && row.tailIndex !== undefined && row.tailIndex < 2;
      const cells = [row.slice === null ? 'all probes' : row.slice, String(row.probes), DW.fmt(row.mean),
        DW.fmt(row.currentHalfWidth), heavy ? row.needed + ' (heavy tail, alpha ' + DW.fmt(row.tailIndex) + ')' : String(row.needed)];
      cells.forEach((v, i) => {
        const td = document.createElement('td');
        td.textContent = v;
        if (i > 0) td.className = 'num';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
  }

  // ---- per-token drift of a sequence example --------------------------------------------------
  // Each token is shaded by the KL(base||ft) of its prediction (from the tokens before it); the worst
  // positions are underlined and show, on hover and on click, the tokens whose probability moved.
  function probability(v) {
    return typeof v === 'number' ? (100 * v).toFixed(1) + '%' : '?';
  }

  function choiceList(choices) {
    return choices.map(c => c.token + ' ' + probability(c.base) + '→' + probability(c.fineTuned)).join(', ');
  }

  function movedTable(token, w) {
    const table = document.createElement('table');
    table.className = 'grid moved';
    const caption = document.createElement('caption');
    caption.textContent = '“' + token + '”: KL ' + DW.fmt(w.kl) + ' nats; probabilities base → fine-tuned';
    table.appendChild(caption);
    const head = table.insertRow();
    for (const h of ['base’s top tokens', 'base', 'fine-tuned', 'fine-tuned’s top tokens', 'base', 'fine-tuned']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.appendChild(th);
    }
    for (let i = 0; i < Math.max(w.base.length, w.fineTuned.length); i++) {
      const tr = table.insertRow();
      for (const c of [w.base[i], w.fineTuned[i]]) {
        for (const v of c ? [c.token, probability(c.base), probability(c.fineTuned)] : ['', '', '']) {
          tr.insertCell().textContent = v;
        }
      }
    }
    return table;
  }

  // How a tokenizer marks where words begin, to show its tokens as text: with SentencePiece's "▁" or
  // byte-level BPE's "Ġ" a marked token begins a word (a space, the mark dropped) and any other continues
  // one; otherwise WordPiece's "##" continues a word (the mark dropped) and any other begins one. Special
  // tokens such as <eos> stand apart. The token itself stays in the tooltip.
  function wordsOf(tokens) {
    const begins = /^[▁Ġ]/;
    const marked = tokens.some(t => begins.test(t));
    return tokens.map((t, i) => {
      const special = /^<[^<>]+>$/.test(t);
      if (marked) {
        return { text: special ? t : t.replace(begins, '').replace(/Ċ/g, '↵'), space: i > 0 && (special || begins.test(t)) };
      }
      const continues = t.length > 2 && t.startsWith('##');
      return { text: continues ? t.slice(2) : t, space: i > 0 && !continues };
    });
  }

  function tokenText(d) {
    const box = document.createElement('div');
    const text = document.createElement('div');
    text.className = 'token-text';
    const scored = d.kl.filter(v => typeof v === 'number');
    const max = Math.max(1e-12, ...scored);
    const worst = new Map(d.worst.map(w => [w.index, w]));
    const detail = document.createElement('div');
    detail.className = 'token-detail legend-note';
    detail.textContent = 'Each token shaded by the KL(base‖ft) of its prediction (darkest: ' + DW.fmt(max)
        + ' nats); click an underlined token for the tokens whose probability moved.';
    const words = wordsOf(d.tokens);
    d.tokens.forEach((token, i) => {
      if (words[i].space) {
        text.appendChild(document.createTextNode(' '));
      }
      const span = document.createElement('span');
      span.className = i > 0 && !words[i].space ? 'tok cont' : 'tok';
      span.textContent = words[i].text;
      span.title = words[i].text === token ? '' : 'token “' + token + '”\n';
      const kl = d.kl[i];
      if (typeof kl === 'number') {
        span.dataset.kl = kl;
        span.style.backgroundColor = 'rgba(214, 39, 40, ' + (0.06 + 0.84 * kl / max).toFixed(3) + ')';
        span.title += 'KL ' + DW.fmt(kl) + ' nats';
      }
      const w = worst.get(i);
      if (w) {
        span.classList.add('worst');
        span.title += '\nbase: ' + choiceList(w.base) + '\nfine-tuned: ' + choiceList(w.fineTuned);
        span.addEventListener('click', () => detail.replaceChildren(movedTable(token, w)));
      }
      text.appendChild(span);
    });
    box.appendChild(text);
    box.appendChild(detail);
    return box;
  }

  async function reloadSeries() {
    setRangeText();
    // the headline chart first and alone: on a long run the other charts' queries would compete with it
    try {
      await loadMain();
    } catch (e) {
      console.error(e);
      DW.status(document.getElementById('chart-main'), e.message, true);
    }
    const results = await Promise.allSettled([loadSlices(), loadDistribution(), loadHeatmap()]);
    results.filter(r => r.status === 'rejected').forEach(r => console.error(r.reason));
    document.dispatchEvent(new CustomEvent('driftwatch:reloaded'));
    root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
  }

  // ---- live updates -------------------------------------------------------------------------------
  function live() {
    const badge = document.getElementById('live');
    if (!root.dataset.events || !window.EventSource) return;
    const source = new EventSource(root.dataset.events);
    // an ended run can still receive late uploads (a replayed spool), so it listens too, but only a
    // running run is called live
    const openText = root.dataset.status === 'running' ? '● live' : '● up to date';
    source.onopen = () => { badge.textContent = openText; badge.classList.remove('off'); };
    source.onerror = () => { badge.textContent = '○ reconnecting'; badge.classList.add('off'); };
    source.addEventListener('checkpoints', ev => {
      const e = JSON.parse(ev.data);
      const count = document.getElementById('checkpoint-count');
      count.textContent = String(Number(count.textContent) + e.count);
      document.getElementById('last-step').textContent = String(Math.max(Number(document.getElementById('last-step').textContent) || 0, e.lastStep));
      // a zoomed view stays where the user put it; the full view grows with the run
      if (range.to === null || e.lastStep <= range.to) reloadSeries();
    });
  }

  metricSelect.addEventListener('change', () => {
    mainChart();
    if (charts.dist) { charts.dist.destroy(); charts.dist = null; }
    reloadSeries();
  });
  document.getElementById('reset-zoom').addEventListener('click', () => zoom(null, null));
  document.getElementById('top-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const v = document.getElementById('top-step-input').value;
    showTopExamples(v === '' ? null : Number(v));
  });

  mainChart();
  reloadSeries().then(() => showTopExamples(null)).then(() => showProbePlan(null));
  document.getElementById('plan-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const v = document.getElementById('plan-half-width').value;
    showProbePlan(v === '' ? null : Number(v));
  });
  live();
})();
