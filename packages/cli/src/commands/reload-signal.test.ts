import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ReloadSignal } from './reload-signal.js';

describe('ReloadSignal', () => {
  it('holds a SIGHUP that comes while starting, reloads once when started, then at each signal', () => {
    const signals = new EventEmitter();
    const sighup = new ReloadSignal(signals).install();
    expect(signals.listenerCount('SIGHUP')).toBe(1); // installed: the default (exit) no longer applies
    signals.emit('SIGHUP');
    signals.emit('SIGHUP');
    let reloads = 0;
    sighup.started(() => reloads++);
    expect(reloads).toBe(1);
    signals.emit('SIGHUP');
    expect(reloads).toBe(2);
    sighup.uninstall();
    signals.emit('SIGHUP');
    expect(reloads).toBe(2);
    expect(signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('does not reload at start when no signal came', () => {
    const sighup = new ReloadSignal(new EventEmitter()).install();
    let reloads = 0;
    sighup.started(() => reloads++);
    expect(reloads).toBe(0);
    sighup.uninstall();
  });
});
