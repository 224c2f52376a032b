// Panel 6: partitions per second over time (uPlot), with a vertical marker
// where an agent joined (green) or was lost (red): "10% slower, not stopped"
// made visible.
import uPlot from './vendor/uPlot.esm.js';
import { AXIS, GRIDLINE, MARKER } from './colors.js';

const HEIGHT = 210;

function markerPlugin(getMarkers) {
  const draw = (u) => {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    const [min, max] = [u.scales.x.min, u.scales.x.max];
    ctx.save();
    ctx.textAlign = 'left'; // uPlot leaves the y axis's alignment set
    ctx.textBaseline = 'alphabetic';
    ctx.font = `${Math.round(10 * devicePixelRatio)}px ui-monospace, SFMono-Regular, Menlo, monospace`;
    let labelEnd = Number.NEGATIVE_INFINITY;
    let row = 0;
    for (const m of getMarkers()) {
      const t = m.at / 1000;
      if (t < min || t > max) continue;
      const x = Math.round(u.valToPos(t, 'x', true));
      const color = m.kind === 'agent-lost' ? MARKER.lost : MARKER.joined;
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash(m.kind === 'agent-lost' ? [] : [4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillStyle = color;
      const label = `${m.kind === 'agent-lost' ? '✕' : '+'} ${m.agent}`;
      const w = ctx.measureText(label).width;
      const lx = Math.min(x + 3 * devicePixelRatio, left + width - w);
      row = lx < labelEnd ? (row + 1) % 4 : 0; // labels of close markers step down instead of overlapping
      labelEnd = Math.max(labelEnd, lx + w + 4 * devicePixelRatio);
      ctx.fillText(label, lx, top + (11 + 12 * row) * devicePixelRatio);
    }
    ctx.restore();
  };
  return { hooks: { draw } };
}

export function throughputPanel(root) {
  let markers = [];
  const axis = {
    stroke: AXIS,
    grid: { stroke: GRIDLINE, width: 1 },
    ticks: { stroke: GRIDLINE, width: 1 },
    font: '11px ui-monospace, SFMono-Regular, Menlo, monospace',
  };
  const opts = {
    width: Math.max(200, root.clientWidth),
    height: HEIGHT,
    legend: { show: false },
    padding: [22, 12, 0, 0], // room above the plot for the markers' labels
    cursor: { points: { size: 5 } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
    axes: [axis, { ...axis, size: 48 }],
    series: [{}, { label: 'partitions/s', stroke: '#2f81f7', width: 1.5, fill: 'rgba(47,129,247,0.14)', points: { show: false } }],
    plugins: [markerPlugin(() => markers)],
  };
  const chart = new uPlot(opts, [[], []], root);
  new ResizeObserver(() => chart.setSize({ width: Math.max(200, root.clientWidth), height: HEIGHT })).observe(root);

  return (samples, markerList) => {
    markers = markerList;
    const xs = samples.map((s) => s.at / 1000);
    const ys = samples.map((s) => s.rate);
    chart.setData([xs, ys]);
    const first = xs[0] ?? 0;
    root.dataset.markersLost = String(markers.filter((m) => m.kind === 'agent-lost' && m.at / 1000 >= first).length);
    root.dataset.markersJoined = String(markers.filter((m) => m.kind === 'agent-joined' && m.at / 1000 >= first).length);
    root.dataset.samples = String(samples.length);
  };
}
