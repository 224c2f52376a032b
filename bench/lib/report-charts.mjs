/** The report's charts, one function per claim; each writes SVGs under docs/charts and returns their names. */
import path from 'node:path';
import { barSpec, render, MODE_COLORS } from './charts.mjs';
import { fmt } from './stats.mjs';

const bar = (label, s, extra = {}) => ({ label, value: s.median, min: s.min, max: s.max, text: `${fmt(s.median)}`, ...extra });

async function lifecycleCharts(l, out) {
  const rows = [];
  for (const m of ['thread', 'process']) {
    rows.push(bar(`spawn → ready (${m})`, l.modes[m].spawnMs, { mode: m }));
    rows.push(bar(`stop → exit (${m})`, l.modes[m].stopMs, { mode: m }));
  }
  await out(
    'c1-lifecycle',
    barSpec({
      title: 'Claim 1: slot start and stop',
      subtitle: 'Cohort runtimes; median, whiskers min–max',
      data: rows,
      unit: 'milliseconds',
      color: 'mode',
      colorScale: MODE_COLORS,
      sort: null,
    }),
  );
  const mem = [];
  for (const m of ['thread', 'process']) {
    mem.push(bar(`RSS per slot (${m})`, l.modes[m].rssPerSlotMb, { mode: m }));
    mem.push(bar(`V8 heap used per slot (${m})`, l.modes[m].heapUsedPerSlotMb, { mode: m }));
  }
  await out(
    'c1-memory',
    barSpec({
      title: 'Claim 1: memory per idle slot',
      subtitle: `${l.modes.thread.slotsForMemory} slots of each kind, heap limit ${Math.round(l.modes.thread.heapLimitMb)} MB`,
      data: mem,
      unit: 'MB',
      color: 'mode',
      colorScale: MODE_COLORS,
    }),
  );
}

async function switchingCharts(sw, out) {
  await out(
    'c2-roundtrip',
    barSpec({
      title: 'Claim 2: one round trip agent → slot → agent',
      subtitle: 'one-partition noop batch; tinybench median, whiskers min–max',
      data: ['thread', 'process'].map((m) => ({ ...bar(m, sw.roundTrip[m]), mode: m, max: sw.roundTrip[m].p99, text: `${fmt(sw.roundTrip[m].median)} µs` })),
      unit: 'microseconds (whisker to p99)',
      color: 'mode',
      colorScale: MODE_COLORS,
    }),
  );
  const pts = [];
  for (const m of ['thread', 'process'])
    for (const k of sw.slotCounts)
      pts.push({ slots: k, mode: m, value: sw.throughput[m][k].median, min: sw.throughput[m][k].min, max: sw.throughput[m][k].max });
  await out('c2-throughput', {
    title: { text: 'Claim 2: round trips per second with more slots than cores', subtitle: `${sw.cores} cores; each slot in a closed ping-pong loop` },
    width: 460,
    height: 260,
    data: { values: pts },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'slots', type: 'quantitative', title: 'slots', axis: { format: 'd', tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: 'round trips / s' },
          color: { field: 'mode', type: 'nominal', scale: MODE_COLORS, title: null },
        },
      },
      {
        mark: 'rule',
        encoding: {
          x: { field: 'slots', type: 'quantitative' },
          y: { field: 'min', type: 'quantitative' },
          y2: { field: 'max' },
          color: { field: 'mode', type: 'nominal', scale: MODE_COLORS },
        },
      },
      {
        data: { values: [{ cores: sw.cores }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { x: { field: 'cores', type: 'quantitative' } },
      },
    ],
  });
}

async function sharedInputCharts(si, out) {
  const n = si.ratios.slotsForRatios;
  const r = si.results[n];
  const rows = Object.keys(si.variants).map((v) => ({ ...bar(si.variants[v].label, r[v].ms), mode: si.variants[v].mode, text: `${fmt(r[v].ms.median)} ms` }));
  await out(
    'c3-time',
    barSpec({
      title: `Claim 3: ${si.inputMb} MB read-only input to ${n} slots, time`,
      subtitle: 'first hand-over → last slot has read every page; log scale',
      data: rows,
      unit: 'milliseconds (log)',
      log: true,
      color: 'mode',
      colorScale: MODE_COLORS,
    }),
  );
  const mem = Object.keys(si.variants).map((v) => ({
    ...bar(si.variants[v].label, r[v].addedMb),
    value: Math.max(0, r[v].addedMb.median),
    min: Math.max(0, r[v].addedMb.min),
    mode: si.variants[v].mode,
    text: `${fmt(r[v].addedMb.median)} MB`,
  }));
  await out(
    'c3-memory',
    barSpec({
      title: `Claim 3: memory the input added (${n} slots)`,
      subtitle: 'RSS of agent + slot processes, after minus before',
      data: mem,
      unit: 'MB',
      color: 'mode',
      colorScale: MODE_COLORS,
    }),
  );
}

async function serializationCharts(se, out) {
  for (const [p, name] of [
    ['small', 'c4-small'],
    ['1MB', 'c4-1mb'],
  ]) {
    const rows = [
      ...Object.entries(se.crossing[p]).map(([k, v]) => ({ ...bar(`crossing: ${k}`, v), kind: 'crossing (real transport)', text: `${fmt(v.median)} µs` })),
      ...Object.entries(se.codec[p]).map(([k, v]) => ({ ...bar(`codec: ${k}`, v), kind: 'codec only (encode+decode)', text: `${fmt(v.median)} µs` })),
    ].map((r) => ({ ...r, max: r.value, min: r.value }));
    await out(
      name,
      barSpec({
        title: `Claim 4: cost per message, ${p === 'small' ? 'small object' : '1 MB Buffer'}`,
        subtitle: 'tinybench medians; log scale',
        data: rows,
        unit: 'microseconds per message (log)',
        log: true,
        color: 'kind',
      }),
    );
  }
}

async function cpuCharts(c, out) {
  const pts = [];
  for (const m of ['threads', 'processes'])
    for (const k of c.slotCounts) pts.push({ slots: k, mode: m === 'threads' ? 'thread' : 'process', value: c.speedup[m][k] });
  const ideal = c.slotCounts.map((k) => ({ slots: k, value: Math.min(k, c.cores) }));
  await out('c5-speedup', {
    title: { text: 'Claim 5: CPU-bound speedup against one slot', subtitle: `${c.cores} cores; dashed: ideal min(slots, cores)` },
    width: 460,
    height: 260,
    layer: [
      {
        data: { values: ideal },
        mark: { type: 'line', strokeDash: [4, 4], color: '#888' },
        encoding: {
          x: { field: 'slots', type: 'quantitative', title: 'slots', axis: { format: 'd', tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: 'speedup (×)' },
        },
      },
      {
        data: { values: pts },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'slots', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'mode', type: 'nominal', scale: MODE_COLORS, title: null },
        },
      },
    ],
  });
  const rows = [];
  for (const k of [2, 4])
    for (const m of ['threads', 'processes'])
      rows.push({
        ...bar(`${k} busy ${m === 'threads' ? 'thread' : 'process'} slots`, c.eld[m][k].p99),
        mode: m === 'threads' ? 'thread' : 'process',
        text: `${fmt(c.eld[m][k].p99.median)} ms`,
      });
  rows.push({
    label: 'same work inline on the main thread',
    value: c.inline.eld.p99,
    min: c.inline.eld.p99,
    max: c.inline.eld.p99,
    mode: 'inline',
    text: `${fmt(c.inline.eld.p99)} ms`,
  });
  await out(
    'c5-eld',
    barSpec({
      title: "Claim 5: event-loop delay on the agent's main thread (p99)",
      subtitle: 'monitorEventLoopDelay during the CPU-bound run',
      data: rows,
      unit: 'milliseconds',
      color: 'mode',
      colorScale: { domain: ['thread', 'process', 'inline'], range: ['#4c78a8', '#f58518', '#e45756'] },
    }),
  );
}

async function agentLossCharts(a, out) {
  if (!a.runs.length) return;
  const r0 = a.runs[0];
  const end = (points, ms) => [...points, [ms, a.partitions]];
  const pts = [
    ...end(r0.baseProgress, r0.baselineMs).map(([t, d]) => ({ t: t / 1000, done: d, run: 'baseline, 10 agents' })),
    ...end(r0.faultProgress, r0.faultMs).map(([t, d]) => ({ t: t / 1000, done: d, run: '1 agent SIGKILLed' })),
  ];
  await out('c6-agent-loss', {
    title: {
      text: 'Claim 6: losing 1 of 10 agents halfway',
      subtitle: `measured ${fmt(a.slowdown.median)}× vs predicted ${fmt(a.predicted.median)}×; dashed: the kill`,
    },
    width: 460,
    height: 260,
    layer: [
      {
        data: { values: pts },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'seconds since submit' },
          y: { field: 'done', type: 'quantitative', title: 'partitions done' },
          color: { field: 'run', type: 'nominal', title: null, scale: { domain: ['baseline, 10 agents', '1 agent SIGKILLed'], range: ['#4c78a8', '#e45756'] } },
        },
      },
      {
        data: { values: [{ t: r0.killAtMs / 1000 }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#e45756' },
        encoding: { x: { field: 't', type: 'quantitative' } },
      },
    ],
  });
}

async function gridCharts(g, out) {
  const size = (b) => (b === 0 ? 'none' : b >= 1048576 ? `${b / 1048576} MB` : `${b / 1024} KB`);
  const cells = g.cells.map((c) => ({
    run: c.us === 0 ? '0 (noop)' : c.us >= 1000 ? `${c.us / 1000} ms` : `${c.us} µs`,
    payload: size(c.bytes),
    ratio: c.ratio,
    label: `${fmt(c.ratio, 2)}×`,
  }));
  const runOrder = [...new Set(cells.map((c) => c.run))];
  const payOrder = [...new Set(cells.map((c) => c.payload))];
  await out('c7-grid', {
    title: { text: 'Claim 7: where threads win — throughput ratio thread / process', subtitle: '2 slots of each; >1: threads faster, ≈1: processes caught up' },
    width: 360,
    height: 240,
    data: { values: cells },
    encoding: {
      x: { field: 'payload', type: 'ordinal', sort: payOrder, title: 'payload per partition', axis: { grid: false, labelAngle: 0 } },
      y: { field: 'run', type: 'ordinal', sort: runOrder, title: 'run time per partition', axis: { grid: false } },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'ratio', type: 'quantitative', title: 'thread/process', scale: { type: 'log', domainMid: 1, scheme: 'redblue', reverse: true } },
        },
      },
      {
        mark: { type: 'text', fontSize: 13 },
        encoding: { text: { field: 'label' }, color: { condition: { test: 'datum.ratio > 2 || datum.ratio < 0.6', value: 'white' }, value: 'black' } },
      },
    ],
  });
}

async function schedulingCharts(sc, out) {
  const rows = [
    { ...bar('Cohort: coordinator + agent (2 slots), over WebSocket', sc.noop.rate), who: 'Cohort', text: `${fmt(sc.noop.rate.median)}/s` },
    { ...bar('piscina: 2 threads, in process, no network', sc.piscina.rate), who: 'piscina', text: `${fmt(sc.piscina.rate.median)}/s` },
  ];
  await out('t-noop', {
    ...barSpec({ title: 'No-op tasks per second', subtitle: 'dashed: the 25,000/s target', data: rows, unit: 'tasks per second', color: 'who' }),
    layer: [
      ...barSpec({ data: rows, unit: 'tasks per second', color: 'who' }).layer,
      { data: { values: [{ v: 25000 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#e45756' }, encoding: { x: { field: 'v', type: 'quantitative' } } },
    ],
  });
}

/** Each suite's charts, in the report's order. */
const CHARTS = [
  ['lifecycle', lifecycleCharts],
  ['switching', switchingCharts],
  ['shared-input', sharedInputCharts],
  ['serialization', serializationCharts],
  ['cpu', cpuCharts],
  ['agent-loss', agentLossCharts],
  ['grid', gridCharts],
  ['scheduling', schedulingCharts],
];

export async function charts(s, dir) {
  const made = {};
  const out = async (name, spec) => {
    await render(spec, path.join(dir, `${name}.svg`));
    made[name] = `charts/${name}.svg`;
  };
  for (const [suite, draw] of CHARTS) {
    const figures = s[suite];
    if (figures && !figures.error) await draw(figures, out);
  }
  return made;
}
