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
