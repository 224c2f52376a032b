/**
 * What losing an agent should cost. Agents on separate machines each bring
 * their own CPUs; agents sharing one host share its CPUs, so usable capacity
 * is min(slots, CPUs). The prediction is the ratio of usable capacity after
 * the loss to before it.
 */
export interface CapacityModel {
  slotsBefore: number;
  slotsLost: number;
  usableBefore: number;
  usableAfter: number;
  predictedRatio: number;
}

export function capacityModel(slotsPerAgent: number[], lostIndex: number, hostCpus: number | undefined): CapacityModel {
  const before = slotsPerAgent.reduce((a, b) => a + b, 0);
  const lost = slotsPerAgent[lostIndex] ?? 0;
  const usable = (slots: number) => (hostCpus === undefined ? slots : Math.min(slots, hostCpus));
  const usableBefore = usable(before);
  const usableAfter = usable(before - lost);
  return { slotsBefore: before, slotsLost: lost, usableBefore, usableAfter, predictedRatio: usableAfter / usableBefore };
}

/**
 * Throughput before and after a fault, from (time, done) samples, over
 * steady windows: from 10% done to the fault, and from the fault to 90% done.
 * This leaves out slot start-up and warm-up at the start, and the tail at the
 * end where fewer partitions remain than slots.
 */
export function steadyRates(samples: Array<[t: number, done: number]>, faultAt: number, total: number): { before: number; after: number } {
  const at = (fraction: number) => samples.find(([, done]) => done >= fraction * total) ?? samples[samples.length - 1]!;
  const fault = samples.filter(([t]) => t <= faultAt).pop() ?? samples[0]!;
  const start = at(0.1);
  const end = at(0.9);
  const rate = (a: [number, number], b: [number, number]) => (b[0] > a[0] ? ((b[1] - a[1]) * 1000) / (b[0] - a[0]) : 0);
  return { before: rate(start[0] < fault[0] ? start : samples[0]!, fault), after: rate(fault, end) };
}

/**
 * Lost capacity's prediction for the job time, relative to the baseline: the
 * part of the work done before the fault at full capacity, the rest at the
 * capacity left. Losing 1 of N slots at fraction f: f + (1 − f)·N/(N − 1).
 */
export function predictedSlowdown(fractionDone: number, slotsBefore: number, slotsAfter: number): number {
  return fractionDone + ((1 - fractionDone) * slotsBefore) / slotsAfter;
}
