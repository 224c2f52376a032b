/**
 * The copies of shared values that process slots read: one file per value,
 * `<dir>/shared-<agent pid>-<instance>-<hash>.bin` (0600, in the agent's private bundle
 * cache directory), written once (a temporary file, then rename) and read
 * once by each process slot into its own buffer.
 *
 * Why a file, not IPC: `child.send()` serializes the whole value on the
 * agent's main thread and queues it in the channel once per slot, so eight
 * process slots of a 256 MB value would hold up to 2 GB in the agent and
 * block its event loop (heartbeats, results) while they serialize. A file
 * is written once (off the main thread when `prepare` runs ahead), each
 * slot reads it from the page cache in parallel, and the agent holds
 * nothing more than its SharedArrayBuffer. The pid and an id of this
 * instance in the name keep agents that share the directory (two in one
 * process too) from deleting each other's copies. An agent that died
 * (SIGKILL, a crash) removes nothing: the next one to start in the directory
 * removes the copies and temporary files of every pid that is no longer
 * running (`sweepDead`), so a 1 GiB copy is not left there for ever.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@cohort/shared';

/** A copy or temporary file of SharedFiles, with the pid of the agent that wrote it. */
const OWN_FILE = /^\.?shared-(\d+)-.*\.(bin|tmp)$/;

/** True when process `pid` is running (or exists but is not ours to signal). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove the copies left in `dir` by agents whose process is gone; the number removed. Never throws. */
export function sweepDead(dir: string, log: Logger): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = Number(OWN_FILE.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || running(pid)) continue;
    rmSync(path.join(dir, name), { force: true });
    removed++;
  }
  if (removed > 0) log.info('shared value copies of dead agents removed', { dir, files: removed });
  return removed;
}

export class SharedFiles {
  private readonly written = new Set<string>();
  private readonly writing = new Map<string, Promise<void>>();
  /** Tells this instance's files from another agent's in the same process. */
  private readonly instance = randomBytes(6).toString('hex');

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {
    sweepDead(dir, log);
  }

  path(hash: string): string {
    return path.join(this.dir, `shared-${process.pid}-${this.instance}-${hash}.bin`);
  }

  /** The file of `hash`, written now (synchronously) if need be. */
  fileFor(hash: string, bytes: Uint8Array): string {
    const file = this.path(hash);
    if (this.written.has(hash)) return file;
    const tmp = this.tmp(hash);
    try {
      writeFileSync(tmp, bytes, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    this.written.add(hash);
    this.log.info('shared value copy written for process slots', { hash, bytes: bytes.length });
    return file;
  }

  /** Write the file of `hash` in the background; undefined when it is written. Never rejects (the pool then writes it synchronously). */
  prepare(hash: string, bytes: Uint8Array): Promise<void> | undefined {
    if (this.written.has(hash)) return undefined;
    let pending = this.writing.get(hash);
    if (pending) return pending;
    const tmp = this.tmp(hash);
    pending = writeFile(tmp, bytes, { mode: 0o600 })
      .then(() => rename(tmp, this.path(hash)))
      .then(
        () => {
          if (this.writing.get(hash) !== pending) return void rm(this.path(hash), { force: true }).catch(() => {});
          this.written.add(hash);
          this.log.info('shared value copy written for process slots', { hash, bytes: bytes.length });
        },
        (err: NodeJS.ErrnoException) => {
          this.log.warn('shared value copy not written', { hash, code: err.code });
          return rm(tmp, { force: true }).catch(() => {});
        },
      )
      .finally(() => {
        if (this.writing.get(hash) === pending) this.writing.delete(hash);
      });
    this.writing.set(hash, pending);
    return pending;
  }

  /** Delete the file of `hash` (the value was freed). */
  remove(hash: string): void {
    this.writing.delete(hash);
    if (!this.written.delete(hash)) return;
    rm(this.path(hash), { force: true }).catch(() => {});
  }

  private tmp(hash: string): string {
    return path.join(this.dir, `.shared-${process.pid}-${this.instance}-${hash}.${randomBytes(6).toString('hex')}.tmp`);
  }
}
