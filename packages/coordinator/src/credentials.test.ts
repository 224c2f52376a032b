import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, createLogger, type LogEntry } from '@cohort/shared';
import { CoordinatorCredentials, type CredentialSources } from './credentials.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const dir = mkdtempSync(join(os.tmpdir(), 'cohort-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clientFile = join(dir, 'client');
const agentFile = join(dir, 'agent');
const none: CredentialSources = { token: undefined, agentToken: undefined, tokenFile: undefined, agentTokenFile: undefined };

function logged() {
  const entries: LogEntry[] = [];
  return { entries, log: createLogger({ sink: (e) => entries.push(e) }) };
}

describe('CoordinatorCredentials', () => {
  it('reads the files, and a reload swaps the sets: a removed token is no longer accepted, by token or by id', () => {
    writeFileSync(clientFile, 'client-A\n');
    writeFileSync(agentFile, '# agents\nagent-A\n');
    const { entries, log } = logged();
    const creds = new CoordinatorCredentials({ ...none, tokenFile: clientFile, agentTokenFile: agentFile }, log);
    const joinedWith = creds.agents!.idOf('agent-A');
    expect(creds.counts).toEqual({ client: 1, agent: 1 });

    writeFileSync(agentFile, 'agent-A\nagent-B\n');
    expect(creds.reload()).toEqual({ client: 1, agent: 2 });
    expect(creds.agentAccepts(joinedWith)).toBe(true);

    writeFileSync(agentFile, 'agent-B\n');
    expect(creds.reload()).toEqual({ client: 1, agent: 1 });
    expect(creds.agentAccepts(joinedWith)).toBe(false);
    expect(creds.agents!.matches('agent-A')).toBe(false);
    expect(creds.agents!.matches('agent-B')).toBe(true);
    // An agent that joined without a token (none configured) is never revoked.
    expect(creds.agentAccepts(undefined)).toBe(true);
    const reloaded = entries.filter((e) => e.msg === 'credentials reloaded');
    expect(reloaded.at(-1)).toMatchObject({ client: 1, agent: 1 });
    expect(JSON.stringify(entries)).not.toContain('agent-B');
  });

  it('a bad file keeps the old sets, logs the code, and throws', () => {
    writeFileSync(clientFile, 'client-A\n');
    const { entries, log } = logged();
    const creds = new CoordinatorCredentials({ ...none, tokenFile: clientFile }, log);
    for (const bad of ['', '# all gone\n', 'two tokens\n']) {
      writeFileSync(clientFile, bad);
      expect(codeOf(() => creds.reload())).toBe(ErrorCode.INVALID_OPTION);
      expect(creds.client!.matches('client-A')).toBe(true);
    }
    rmSync(clientFile);
    expect(codeOf(() => creds.reload())).toBe(ErrorCode.INVALID_OPTION);
    expect(creds.client!.matches('client-A')).toBe(true);
    const errors = entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatchObject({ msg: 'credentials not reloaded; the old tokens stay', code: ErrorCode.INVALID_OPTION, client: 1 });
  });

  it('a token in both roles is refused, at start and at a reload (which keeps the old split)', () => {
    writeFileSync(clientFile, 'client-A\nshared\n');
    writeFileSync(agentFile, 'shared\n');
    expect(codeOf(() => new CoordinatorCredentials({ ...none, tokenFile: clientFile, agentTokenFile: agentFile }, logged().log))).toBe(
      ErrorCode.INVALID_OPTION,
    );
    writeFileSync(agentFile, 'agent-A\n');
    const creds = new CoordinatorCredentials({ ...none, tokenFile: clientFile, agentTokenFile: agentFile }, logged().log);
    writeFileSync(agentFile, 'agent-A\nclient-A\n');
    expect(codeOf(() => creds.reload())).toBe(ErrorCode.INVALID_OPTION);
    expect(creds.agents!.matches('client-A')).toBe(false);
  });

  it('without agent tokens the client tokens join agents too; without any, nothing is checked', () => {
    const shared = new CoordinatorCredentials({ ...none, token: 'only' }, logged().log);
    expect(shared.agents!.matches('only')).toBe(true);
    expect(shared.counts).toEqual({ client: 1, agent: 1 });
    const open = new CoordinatorCredentials(none, logged().log);
    expect(open.agents).toBeUndefined();
    expect(open.reload()).toEqual({ client: 0, agent: 0 });
  });
});
