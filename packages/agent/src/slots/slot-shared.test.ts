/** Inside a slot: `ctx.shared` of a JSON value is parsed once per slot and reused by every batch, so it must not be changeable. */
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '@cohort/shared';
import { SlotShared } from './slot-shared.js';

function jsonValue(value: unknown): { hash: string; buffer: SharedArrayBuffer } {
  const bytes = Buffer.from(JSON.stringify(value));
  const buffer = new SharedArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return { hash: sha256Hex(bytes), buffer };
}

describe('SlotShared', () => {
  it('gives a JSON value that a partition cannot change for the partitions after it (deeply frozen)', () => {
    const slot = new SlotShared();
    const { hash, buffer } = jsonValue({ table: [3, 1, 2], nested: { k: 'v' } });
    slot.keep({ t: 'shared', hash, bytes: buffer.byteLength, buffer });
    const first = slot.view(hash, 'json') as { table: number[]; nested: { k: string } };
    // A task that sorts its input in place, or sets a field (task modules are strict: this throws).
    expect(() => first.table.sort()).toThrow(TypeError);
    expect(() => {
      first.nested.k = 'changed';
    }).toThrow(TypeError);
    const second = slot.view(hash, 'json');
    expect(second).toEqual({ table: [3, 1, 2], nested: { k: 'v' } });
  });
});
