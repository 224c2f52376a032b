import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, type LogEntry } from '@cohort/shared';
import { CoordinatorCredentials } from './credentials.js';

const dir = mkdtempSync(join(os.tmpdir(), 'cohort-token-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tokenFile(name: string, token: string, mode: number): string {
  const file = join(dir, name);
  writeFileSync(file, `${token}\n`);
  chmodSync(file, mode);
  return file;
}

describe('token files readable by others', () => {
  it('are logged at start and at each reload, by flag, path and mode, never the token; group read is not', () => {
    const entries: LogEntry[] = [];
    const log = createLogger({ level: 'debug', sink: (e) => entries.push(e) });
    const tokenFileA = tokenFile('client', 'client-token-secret-xyz', 0o644);
    const agentTokenFile = tokenFile('agent', 'agent-token-secret-xyz', 0o600);
    const credentials = new CoordinatorCredentials({ token: undefined, agentToken: undefined, tokenFile: tokenFileA, agentTokenFile }, log);
    const warnings = () => entries.filter((e) => e.msg === 'token file readable by others');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ level: 'warn', flag: '--token-file', path: tokenFileA, mode: '0644', fix: `chmod o-rwx ${tokenFileA}` });

    chmodSync(agentTokenFile, 0o640); // root:cohort 0640, as docker/README.md sets it up: the group is the service
    credentials.reload();
    expect(warnings().map((e) => e.flag)).toEqual(['--token-file', '--token-file']);
    chmodSync(agentTokenFile, 0o604);
    credentials.reload();
    expect(warnings().map((e) => e.flag)).toEqual(['--token-file', '--token-file', '--token-file', '--agent-token-file']);
    chmodSync(tokenFileA, 0o600);
    chmodSync(agentTokenFile, 0o600);
    credentials.reload();
    expect(warnings()).toHaveLength(4);
    expect(JSON.stringify(entries)).not.toContain('secret-xyz');
  });
});
