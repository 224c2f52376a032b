/**
 * `--shared @FILE` and `--shared-json @FILE`: the file's bytes (kind bytes),
 * or a JSON file checked here (kind json); one of them at most, @FILE only,
 * refused by its size before it is read. Refusals are INVALID_OPTION.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import { readSharedFlags } from './shared-flag.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-flag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}
const refused = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: { code?: unknown }) => e.code,
  );

describe('readSharedFlags', () => {
  it('reads --shared @FILE as bytes and --shared-json @FILE as json; neither is undefined', async () => {
    const bin = file('data.bin', new Uint8Array([0, 1, 2, 255]));
    const got = await readSharedFlags({ shared: `@${bin}` });
    expect([got?.kind, [...(got?.data ?? [])]]).toEqual(['bytes', [0, 1, 2, 255]]);
    const json = file('data.json', '{"rows": [1, 2]}\n');
    const parsed = await readSharedFlags({ 'shared-json': `@${json}` });
    expect([parsed?.kind, Buffer.from(parsed!.data).toString()]).toEqual(['json', '{"rows": [1, 2]}\n']);
    const bom = file('bom.json', '\ufeff[1]');
    expect(Buffer.from((await readSharedFlags({ 'shared-json': `@${bom}` }))!.data).toString()).toBe('[1]');
    expect(await readSharedFlags({})).toBeUndefined();
  });

  it('refuses both flags, a value that is not @FILE, a missing file, a directory, bad JSON, and a file over the limit', async () => {
    const bin = file('x.bin', 'xxxxxxxx');
    const cases = [
      () => readSharedFlags({ shared: `@${bin}`, 'shared-json': `@${bin}` }),
      () => readSharedFlags({ shared: 'inline bytes' }),
      () => readSharedFlags({ shared: '@' }),
      () => readSharedFlags({ shared: `@${path.join(dir, 'missing')}` }),
      () => readSharedFlags({ shared: `@${dir}` }),
      () => readSharedFlags({ 'shared-json': `@${file('bad.json', '{"a": }')}` }),
      () => readSharedFlags({ 'shared-json': `@${file('latin1.json', new Uint8Array([0x22, 0xe9, 0x22]))}` }),
      () => readSharedFlags({ shared: `@${bin}` }, 4),
    ];
    for (const c of cases) expect(await refused(c())).toBe(ErrorCode.INVALID_OPTION);
  });
});
