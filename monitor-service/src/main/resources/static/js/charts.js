/* driftwatch charts: shared helpers for the run and compare pages (uPlot, no other library). */
'use strict';

const DW = (() => {
  const PALETTE = ['#2b5fd9', '#d9482b', '#2e9d4f', '#9b4dca', '#d99a2b', '#1aa3a3', '#c2417f', '#6b7385',
    '#5a8f00', '#8c564b', '#17becf', '#bcbd22', '#ff7f0e', '#7f7f7f', '#393b79', '#637939', '#8c6d31',
    '#843c39', '#7b4173', '#3182bd'];

  /** Fetches JSON from a same-origin URL; throws with the problem's detail on an error answer. */
  async function json(url) {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) {
      let detail = res.status + ' ' + res.statusText;
      try { detail = (await res.json()).detail || detail; } catch (e) { /* not a problem document */ }
      throw new Error(detail);
    }
    return res.json();
  }

  /** A number, or null for anything else (NaN comes as the string "NaN"); uPlot leaves gaps at nulls. */
  function num(v) {
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  function nums(a) {
    return a ? Array.from(a, num) : [];
  }

  /** Builds a query string from an object, skipping null and undefined values. */
  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== null && v !== undefined && v !== '') q.append(k, String(v));
    }
    return q.toString();
  }

  /** How many points to ask the server for: about two per horizontal pixel of the chart. */
  function pointsFor(el) {
    return Math.max(100, Math.min(20000, Math.round((el.clientWidth || 800) * 2)));
  }

  function fmt(v) {
    if (v === null || v === undefined) return '–';
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
  }

  /**
   * Tick spacings: uPlot's own (1, 2, 2.5 and 5 times a power of ten, from 1e-16), on up to the largest
   * double; uPlot's stop at 5e15, and an axis over larger values (steps or drift) had no ticks.
   */
  const INCRS = [];
  for (let e = -16; e <= 308; e++) {
    for (const m of [1, 2, 2.5, 5]) {
      const incr = Number(m + 'e' + e);
      if (isFinite(incr)) INCRS.push(incr);
    }
  }

  /**
   * uPlot's own y range (a tenth of padding, snapped), kept within the doubles: padding values near the
   * largest double overflowed to Infinity, and the axis had no ticks and the line was not drawn.
   */
  function yRange(u, min, max) {
    if (min === null || max === null) return [min, max];
    let [lo, hi] = uPlot.rangeNum(min, max, 0.1, true);
    lo = Math.max(lo, -Number.MAX_VALUE);
    hi = Math.min(hi, Number.MAX_VALUE);
    // ticks are spaced by the span: halve both ends where the span itself is beyond the doubles
    return isFinite(hi - lo) ? [lo, hi] : [lo / 2, hi / 2];
  }

  /** An axis's tick labels, also kept on the chart's element (the canvas holds them only as pixels). */
  function ticks(el, name, labels) {
    el.dataset[name] = labels.join(' ');
    return labels;
  }

  /**
   * Creates a line chart in a container. onZoom(from, to) is called with the selected step range
   * when the user drags over the chart; the caller re-queries the server for that range.
   */
  function lineChart(el, title, series, bands, onZoom, yLabel) {
    const opts = {
      title: title,
      width: Math.max(300, el.clientWidth),
      height: 280,
      scales: { x: { time: false }, y: { range: yRange } },
      axes: [{ label: 'step', incrs: INCRS, values: (u, vals) => ticks(el, 'xTicks', vals.map(v => uPlot.fmtNum(v))) },
        { label: yLabel || '', size: 60, incrs: INCRS, values: (u, vals) => ticks(el, 'yTicks', vals.map(fmt)) }],
      series: [{ label: 'step' }].concat(series),
      bands: bands || [],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [u => {
          if (u.select.width > 2 && onZoom) {
            const from = Math.floor(u.posToVal(u.select.left, 'x'));
            const to = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onZoom(from, to);
          }
        }],
      },
    };
    const data = [[]].concat(series.map(() => []));
    const u = new uPlot(opts, data, el);
    new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height: 280 })).observe(el);
    return u;
  }

  /** Writes the status line of a chart (points shown, downsampling, errors). */
  function status(el, text, isError) {
    let s = el.querySelector(':scope > .status');
    if (!s) {
      s = document.createElement('div');
      s.className = 'status';
      el.appendChild(s);
    }
    s.textContent = text;
    s.classList.toggle('error', !!isError);
  }

  return { PALETTE, json, num, nums, query, pointsFor, fmt, lineChart, status };
})();
