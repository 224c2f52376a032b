/**
 * The coordinator's credentials, held in one place: the client tokens and
 * the agent tokens, each a TokenSet, from `token` / `tokenFile` and
 * `agentToken` / `agentTokenFile`. Without agent tokens the client tokens
 * grant both roles; with them the roles are split, and a token in both sets
 * is refused (the split must grant nothing twice).
 *
 * `reload()` re-reads the files (the CLI calls it on SIGHUP). It swaps both
 * sets at once or not at all: on any error the old sets stay, an error is
 * logged with its code, and the error is thrown to the caller. Sessions keep
 * the id of the token they joined with; `agentAccepts(id)` says whether it
 * still may (agent-socket.ts closes a revoked one at its next message, and
 * the agent endpoint sweeps the silent ones one heartbeat period after a reload).
 */
import { CohortError, ErrorCode, TokenSet, invalidOption, toWireError, type Logger } from '@cohort/shared';
import { readTokenFile } from '@cohort/shared/internal';
import { agentCredential, clientTokenAccepted } from './auth.js';
import type { OpenStreams } from './open-streams.js';
import { warnIfReadableByOthers } from './token-file-mode.js';

export interface CredentialSources {
  token: string | undefined;
  agentToken: string | undefined;
  tokenFile: string | undefined;
  agentTokenFile: string | undefined;
}

export interface CredentialCounts {
  client: number;
  agent: number;
}

interface Sets {
  client: TokenSet | undefined;
  agent: TokenSet | undefined;
}

function setOf(token: string | undefined, file: string | undefined): TokenSet | undefined {
  if (file !== undefined) return TokenSet.of(readTokenFile(file));
  return token === undefined ? undefined : TokenSet.of([token]);
}

/** Both sets from their sources, with the split's rules checked. */
function load(sources: CredentialSources): Sets {
  const client = setOf(sources.token, sources.tokenFile);
  const agent = setOf(sources.agentToken, sources.agentTokenFile);
  if (agent !== undefined && client === undefined)
    throw invalidOption('agent tokens need client tokens as well: with split credentials, --token (or --token-file) is the client credential');
  if (agent !== undefined && client !== undefined && agent.ids().some((id) => client.has(id))) {
    throw invalidOption('a token is both a client and an agent token: the split must grant nothing twice');
  }
  return { client, agent };
}

export class CoordinatorCredentials {
  /** The client tokens; undefined when no token is configured (the coordinator is open, on loopback only). */
  client: TokenSet | undefined;
  /** The agent tokens when the roles are split; else undefined, and `client` joins agents too. */
  agent: TokenSet | undefined;

  constructor(
    private readonly sources: CredentialSources,
    private readonly log: Logger,
  ) {
    const sets = load(sources);
    this.client = sets.client;
    this.agent = sets.agent;
    this.checkModes();
  }

  /** A token file readable by others (the world) is logged (the path and mode only). */
  private checkModes(): void {
    warnIfReadableByOthers({ '--token-file': this.sources.tokenFile, '--agent-token-file': this.sources.agentTokenFile }, this.log);
  }

  /** The tokens the agent upgrade accepts: the agent tokens when split, else the client ones. */
  get agents(): TokenSet | undefined {
    return agentCredential(this);
  }

  get counts(): CredentialCounts {
    return { client: this.client?.size ?? 0, agent: this.agents?.size ?? 0 };
  }

  /** Whether an agent session that joined with the token `id` may go on (always, when it joined without a token). */
  agentAccepts(id: string | undefined): boolean {
    return id === undefined || this.agents?.has(id) === true;
  }

  /** Whether a client session (a dashboard cookie, an event stream) opened with token `id` may go on. */
  clientAccepts(id: string | undefined): boolean {
    return clientTokenAccepted(this, id);
  }

  /** Re-read the token files; on any error keep the old sets, log it and throw it. Inline tokens stay as they are. */
  reload(): CredentialCounts {
    let sets: Sets;
    try {
      sets = load(this.sources);
    } catch (err) {
      const wire = toWireError(err, ErrorCode.INVALID_OPTION);
      this.log.error('credentials not reloaded; the old tokens stay', { code: wire.code, message: wire.message, ...this.counts });
      throw err instanceof CohortError ? err : new CohortError(wire.code, wire.message, { cause: err });
    }
    this.client = sets.client;
    this.agent = sets.agent;
    this.log.info('credentials reloaded', { ...this.counts });
    this.checkModes();
    return this.counts;
  }
}

/** What reloadAndRevoke asks of the agent endpoint (agent-endpoint.ts). */
export interface AgentSweep {
  sweepRevokedLater(): void;
}

/**
 * Reload the token files, then end at once the client streams whose token is gone; agents whose token is gone are
 * closed at their next message, and all of them one heartbeat period later (`agents.sweepRevokedLater`).
 */
export function reloadAndRevoke(credentials: CoordinatorCredentials, openStreams: OpenStreams, log: Logger, agents?: AgentSweep): CredentialCounts {
  const counts = credentials.reload();
  agents?.sweepRevokedLater();
  const ended = openStreams.revoke((id) => credentials.clientAccepts(id));
  if (ended > 0) log.warn('client streams revoked', { streams: ended, code: ErrorCode.AUTH_REVOKED });
  return counts;
}
