/**
 * Host load for the coordinator's view, sampled in the background with
 * node-os-utils (its CPU figure needs two readings some time apart, so it is
 * never taken on the heartbeat path). The library loads with the first
 * sample, off the start-up path (its import costs an agent ~70 ms).
 */
import os from 'node:os';
import type { OSUtils } from 'node-os-utils';
import type { Hardware, Load } from '@cohort/shared';

export function hardware(): Hardware {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    hostname: os.hostname(),
  };
}

export class LoadSampler {
  private utils: Promise<OSUtils> | undefined;
  private latest = { cpuPercent: 0, memoryPercent: 0, load1: 0 };
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  start(intervalMs: number): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  current(queued: number, busySlots: number): Load {
    return { ...this.latest, queued, busySlots };
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.utils ??= import('node-os-utils').then((m) => new m.OSUtils());
      const utils = await this.utils;
      const [cpu, mem] = await Promise.all([utils.cpu.usage(), utils.memory.info()]);
      if (cpu.success) this.latest.cpuPercent = Math.round(cpu.data * 10) / 10;
      if (mem.success) this.latest.memoryPercent = Math.round(mem.data.usagePercentage * 10) / 10;
      this.latest.load1 = os.loadavg()[0] ?? 0;
    } catch {
      // Load is advisory; a failed sample keeps the last one.
    } finally {
      this.busy = false;
    }
  }
}
