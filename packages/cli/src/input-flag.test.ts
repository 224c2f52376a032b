import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import { DEFAULT_MAX_INPUT_BYTES, readInputFlag, type InputFlagOptions } from './input-flag.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const full = path.join(dir, name);
  writeFileSync(full, content);
  return full;
}

/** What readInputFlag throws: its code and details (tests compare those, not message text). */
async function refusal(value: string, options: InputFlagOptions = {}) {
  const err = (await readInputFlag(value, options).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  return { code: err?.code, details: err?.details, message: err?.message ?? '' };
}

describe('--input', () => {
  it('is absent, or inline JSON', async () => {
    expect(await readInputFlag(undefined)).toBeUndefined();
    expect(await readInputFlag('{"from":0,"to":10}')).toEqual({ from: 0, to: 10 });
    const bad = await refusal('{from:0}');
    expect(bad.code).toBe(ErrorCode.INVALID_OPTION);
    expect(bad.details).toMatchObject({ line: 1, column: 2, position: 1 });
  });

  it('reads and parses @file, dropping a byte-order mark', async () => {
    const data = { words: ['a', 'b'], n: 2 };
    expect(await readInputFlag(`@${file('ok.json', JSON.stringify(data))}`)).toEqual(data);
    expect(await readInputFlag(`@${file('bom.json', `\ufeff${JSON.stringify(data)}`)}`)).toEqual(data);
  });

  it('says "file not found" with the path when the file is missing', async () => {
    const missing = path.join(dir, 'nope', 'missing.json');
    const r = await refusal(`@${missing}`);
    expect(r.code).toBe(ErrorCode.INVALID_OPTION);
    expect(r.details).toEqual({ path: missing });
    expect(r.message).toBe(`file not found: ${missing}`);
  });

  it('names the file and where its JSON goes wrong', async () => {
    const bad = file('bad.json', '{\n  "a": 1,\n  "b" 2\n}\n');
    const r = await refusal(`@${bad}`);
    expect(r.code).toBe(ErrorCode.INVALID_OPTION);
    expect(r.details).toEqual({ line: 3, column: 7, position: 18 });
    expect(r.message).toContain(bad);
  });

  it('refuses a file over the limit by its size, a directory, an empty name and bytes that are not UTF-8', async () => {
    const big = file('big.json', `[${'1,'.repeat(600)}1]`);
    expect(await refusal(`@${big}`, { maxBytes: 1024 })).toMatchObject({ code: ErrorCode.INVALID_OPTION, details: { maxBytes: 1024 } });
    expect(await readInputFlag(`@${big}`, { maxBytes: 2048 })).toHaveLength(601);
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    expect((await refusal(`@${sub}`)).details).toEqual({ path: sub });
    expect((await refusal('@')).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(`@${file('latin1.json', Buffer.from([0x22, 0xe9, 0x22]))}`)).code).toBe(ErrorCode.INVALID_OPTION);
  });

  it('reads - from stdin to its end, in chunks', async () => {
    const chunks = ['{"text":"', 'x'.repeat(100_000), '","n":', '3}'];
    const value = (await readInputFlag('-', { stdin: Readable.from(chunks.map((c) => Buffer.from(c))) })) as { text: string; n: number };
    expect(value.text).toHaveLength(100_000);
    expect(value.n).toBe(3);
    expect(await readInputFlag('-', { stdin: Readable.from(['[1,', '2]']) })).toEqual([1, 2]);
  });

  it('stops reading stdin once it passes the limit', async () => {
    let pulled = 0;
    const endless = new Readable({
      highWaterMark: 1024,
      read() {
        pulled++;
        this.push(Buffer.alloc(1024, 0x20));
      },
    });
    const r = await refusal('-', { stdin: endless, maxBytes: 10 * 1024 });
    expect(r).toMatchObject({ code: ErrorCode.INVALID_OPTION, details: { maxBytes: 10 * 1024 } });
    expect(pulled).toBeLessThan(40);
    expect(endless.destroyed).toBe(true);
  });

  it('refuses bad JSON on stdin with its position', async () => {
    expect(await refusal('-', { stdin: Readable.from(['[1, 2,]']) })).toMatchObject({
      code: ErrorCode.INVALID_OPTION,
      details: { line: 1, column: 7, position: 6 },
    });
  });

  it("defaults to the coordinator's body limit", () => {
    expect(DEFAULT_MAX_INPUT_BYTES).toBe(64 * 1024 * 1024);
  });
});
