// One palette for every panel: an outcome, a state or a share has the same
// colour in the progress bar, the task stream, the grid and the legends.
// The CSS (style.css) mirrors these for the HTML parts.

export const OUTCOME = {
  ok: '#3fb950',
  failed: '#f85149',
  'timed-out': '#db6d28',
  requeued: '#d29922',
  'speculative-won': '#a371f7',
  'speculative-lost': '#6e5aa0',
  cancelled: '#6e7681',
};

export const OUTCOME_LABEL = {
  ok: 'ok',
  failed: 'failed',
  'timed-out': 'timed out',
  requeued: 'requeued',
  'speculative-won': 'spec. won',
  'speculative-lost': 'spec. lost',
  cancelled: 'cancelled',
};

/** Progress: partitions by where they are. */
export const PROGRESS = {
  done: '#3fb950',
  failed: '#f85149',
  running: '#2f81f7',
  assigned: '#1a4b8c',
  waiting: '#30363d',
  retried: '#d29922',
  speculative: '#a371f7',
};

export const MARKER = { joined: '#3fb950', lost: '#f85149' };
export const AXIS = '#8b949e';
export const GRIDLINE = '#21262d';
export const TEXT = '#c9d1d9';
