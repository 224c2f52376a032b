/**
 * The task stream's rows: each agent has at most `slots` lanes, and a bar
 * goes to a lane free at its start (first fit); a bar that fits none takes
 * the lane freed longest ago. Assigned on the server, so every page shows
 * the same rows.
 */
export class Lanes {
  /** Per agent: when each lane is free again (the end of its last bar). */
  private readonly freeAt = new Map<string, number[]>();

  constructor(
    /** The most agents kept; past it, the oldest is forgotten (its lanes start afresh). */
    private readonly maxAgents: number,
  ) {}

  /** The lane of a bar from `startedAt` to `endedAt` on `agent`, which has `slots` lanes at most. */
  assign(agent: string, slots: number, startedAt: number, endedAt: number): number {
    let lanes = this.freeAt.get(agent);
    if (!lanes) {
      if (this.freeAt.size >= this.maxAgents) this.freeAt.delete(this.freeAt.keys().next().value!);
      this.freeAt.set(agent, (lanes = []));
    }
    let lane = -1;
    let oldest = 0;
    for (let i = 0; i < lanes.length; i++) {
      if (lanes[i]! <= startedAt) {
        lane = i;
        break;
      }
      if (lanes[i]! < lanes[oldest]!) oldest = i;
    }
    if (lane === -1) lane = lanes.length < Math.max(1, slots) ? lanes.length : oldest;
    lanes[lane] = Math.max(endedAt, startedAt);
    return lane;
  }

  forget(agent: string): void {
    this.freeAt.delete(agent);
  }
}
