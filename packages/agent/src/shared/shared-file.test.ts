/** The copies process slots read: private, removed with their value, and not left behind by an agent that died. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@cohort/shared';
import { waitFor } from '@cohort/shared/internal';
import { SharedFiles } from './shared-file.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const H = 'a'.repeat(64);

function freshDir(): string {
  return mkdtempSync(path.join(root, 'd-'));
}

describe('SharedFiles', () => {
  it('writes a 0600 copy, and two agents in one process (one pid) do not remove each other’s copies', async () => {
    const dir = freshDir();
    const a = new SharedFiles(dir, silentLogger);
    const b = new SharedFiles(dir, silentLogger);
    const fa = a.fileFor(H, Buffer.from('value'));
    const fb = b.fileFor(H, Buffer.from('value'));
    expect(statSync(fa).mode & 0o777).toBe(0o600);
    a.remove(H);
    await waitFor('the copy of a removed', () => !existsSync(fa), { timeoutMs: 2000 });
    expect(existsSync(fb)).toBe(true);
  });

  it('removes at start the copies and temporary files of an agent that died (SIGKILL), and keeps a live one’s', () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const live = process.ppid;
    writeFileSync(path.join(dir, `shared-${dead}-${H}.bin`), 'x');
    writeFileSync(path.join(dir, `shared-${dead}-0123456789ab-${H}.bin`), 'x');
    writeFileSync(path.join(dir, `.shared-${dead}-${H}.0123456789ab.tmp`), 'x');
    writeFileSync(path.join(dir, `shared-${live}-${H}.bin`), 'x');
    writeFileSync(path.join(dir, 'sha256-bundle.mjs'), 'x'); // not ours
    new SharedFiles(dir, silentLogger);
    expect(readdirSync(dir).sort()).toEqual([`shared-${live}-${H}.bin`, 'sha256-bundle.mjs'].sort());
  });
});
