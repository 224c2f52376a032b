/**
 * Charts: vega-lite specs compiled to vega and rendered to SVG in Node
 * (headless View, renderer 'none'). One helper per chart shape the report uses.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 12,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e8e8e8', labelLimit: 360 },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', labelLimit: 360 },
  title: { fontSize: 14, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555' },
  range: { category: ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2'] },
};

export async function render(spec, file) {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec };
  const compiled = vl.compile(full).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, svg);
  return file;
}

const MODE_COLORS = { domain: ['thread', 'process'], range: ['#4c78a8', '#f58518'] };
export { MODE_COLORS };

/**
 * Horizontal bars with min–max whiskers, one row per `label`, optionally
 * coloured by `color`; `data` rows: {label, value, min, max, color?}.
 */
export function barSpec({ title, subtitle, data, unit, color, log = false, width = 460, colorScale, labelTitle = null, sort = null }) {
  // A log axis has no zero: bars start at the power of ten below the smallest value.
  const lows = data.flatMap((d) => [d.value, d.min]).filter((v) => v > 0);
  const highs = data.flatMap((d) => [d.value, d.max]).filter((v) => v > 0);
  const base = log ? 10 ** Math.floor(Math.log10(Math.min(...lows))) : 0;
  const top = log ? 10 ** Math.ceil(Math.log10(Math.max(...highs) * 1.5)) : undefined;
  const rows = log ? data.map((d) => ({ ...d, base })) : data;
  const x = { field: 'value', type: 'quantitative', title: unit, ...(log ? { scale: { type: 'log', domain: [base, top] } } : {}) };
  const y = { field: 'label', type: 'nominal', title: labelTitle, sort, axis: { labelLimit: 420 } };
  const layers = [
    {
      mark: { type: 'bar', height: { band: 0.7 } },
      encoding: {
        x,
        ...(log ? { x2: { field: 'base' } } : {}),
        y,
        ...(color ? { color: { field: color, type: 'nominal', title: null, ...(colorScale ? { scale: colorScale } : {}) } } : {}),
      },
    },
    { mark: { type: 'rule', color: '#333' }, encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' }, y } },
    {
      mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#222' },
      encoding: { x: { field: 'max', type: 'quantitative' }, y, text: { field: 'text', type: 'nominal' } },
    },
  ];
  return { title: { text: title, subtitle }, width, height: { step: 26 }, data: { values: rows }, layer: layers };
}
