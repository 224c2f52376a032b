// Small DOM helpers. Text goes in with textContent only, never innerHTML:
// names, errors and feed texts come from peers.

/** An element with properties (className, title, dataset, onclick...) and children (nodes or strings). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style') Object.assign(node.style, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

/** Set a node's text only when it changed (keeps layout work down at 4 renders a second). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

export function setClass(node, className) {
  if (node.className !== className) node.className = className;
}

/**
 * Keep a tbody's rows in step with `items`, by key: rows are created once
 * (`create(item)` returns {row, update(item, context)}), updated in place,
 * reordered and removed. Returns the number of rows.
 */
export function syncRows(tbody, items, key, create, context) {
  const rows = tbody._rows ?? new Map();
  tbody._rows = rows;
  const seen = new Set();
  let previous = null;
  for (const item of items) {
    const id = key(item);
    seen.add(id);
    let entry = rows.get(id);
    if (!entry) {
      entry = create(item);
      rows.set(id, entry);
    }
    entry.update(item, context);
    const wanted = previous ? previous.nextSibling : tbody.firstChild;
    if (wanted !== entry.row) tbody.insertBefore(entry.row, wanted);
    previous = entry.row;
  }
  for (const [id, entry] of rows) {
    if (seen.has(id)) continue;
    entry.row.remove();
    rows.delete(id);
  }
  return items.length;
}

/** A canvas sized to its CSS box at the device's pixel ratio; returns its 2D context scaled to CSS pixels, with the size. */
export function fitCanvas(canvas, cssHeight) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.floor(canvas.clientWidth));
  const height = cssHeight ?? Math.max(1, Math.floor(canvas.clientHeight));
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/** A row of coloured swatches with labels. */
export function legend(node, entries) {
  node.replaceChildren(
    ...entries.map(([label, color]) => el('span', { className: 'legend-item' }, el('i', { className: 'swatch', style: { background: color } }), label)),
  );
}
