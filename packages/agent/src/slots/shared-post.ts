/**
 * Giving a slot its job's shared value before the slot's first batch of it:
 * a thread slot gets the SharedArrayBuffer itself (zero copies: every thread
 * slot reads the same memory), a process slot the path of the value's file,
 * which it reads once into its own copy (shared-file.ts says why a file).
 */
import type { SharedRef } from '@cohort/shared';
import type { Slot } from './slot.js';
import type { SharedSource } from './types.js';

/** Post `ref` to `slot` unless it has it; a message saying why not when the value is not on this agent. */
export function giveShared(slot: Slot, ref: SharedRef, source: SharedSource | undefined): string | undefined {
  if (slot.shared.has(ref.hash)) return undefined;
  const bytes = source?.bytes(ref.hash);
  if (!source || !bytes) return `the job's shared value ${ref.hash} is not on this agent`;
  if (slot.mode === 'thread') {
    slot.postShared(ref.hash, { buffer: bytes.buffer }, ref.bytes);
    return undefined;
  }
  let file: string | undefined;
  try {
    file = source.fileFor(ref.hash);
  } catch (err) {
    return `the copy of shared value ${ref.hash} for process slots could not be written: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  if (file === undefined) return `the job's shared value ${ref.hash} is not on this agent`;
  slot.postShared(ref.hash, { file }, ref.bytes);
  return undefined;
}
