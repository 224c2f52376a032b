/**
 * SIGHUP re-reads the coordinator's token files. Node's default for SIGHUP
 * is to exit, so the handler is installed before the coordinator starts
 * (opening a journal or generating a certificate takes a while): a SIGHUP
 * that arrives meanwhile is remembered and acted on once, when started.
 */
import type { EventEmitter } from 'node:events';

export class ReloadSignal {
  private reload: (() => void) | undefined;
  private pending = false;
  private readonly onSignal = () => {
    if (this.reload) this.reload();
    else this.pending = true;
  };

  /** `signals` is the process (an EventEmitter in tests). */
  constructor(private readonly signals: Pick<EventEmitter, 'on' | 'off'> = process) {}

  install(): this {
    this.signals.on('SIGHUP', this.onSignal);
    return this;
  }

  /** The coordinator is up: from now on each SIGHUP calls `reload`, and one that came during start-up does so now. */
  started(reload: () => void): void {
    this.reload = reload;
    if (this.pending) {
      this.pending = false;
      reload();
    }
  }

  uninstall(): void {
    this.signals.off('SIGHUP', this.onSignal);
  }
}
