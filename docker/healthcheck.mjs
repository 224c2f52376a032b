#!/usr/bin/env node
// Container health check for Cohort images. Runs as the Dockerfile's exec-form
// HEALTHCHECK (`node /app/healthcheck.mjs`): the images have no shell or curl.
// Exit 0 = healthy, 1 = unhealthy. No dependencies; plain Node >= 18.
//
// Role: $COHORT_ROLE ("coordinator" | "agent"); when unset it is read from the
// container's main process (/proc/1/cmdline, e.g. `node /app/cohort.mjs agent`).
//   coordinator: GET /healthz on 127.0.0.1:$COHORT_PORT (port default 7070) must
//                answer 2xx within $COHORT_HEALTH_TIMEOUT_MS (default 3000).
//                Over https when the coordinator serves TLS, verified by pinning
//                the certificate it serves: the file $COHORT_TLS_CERT_FILE, else
//                what PID 1's flags name (`--tls-cert FILE`, or with `--tls auto`
//                `<--state-dir>/tls/cert.pem`, without --state-dir the per-user
//                config directory, $XDG_CONFIG_HOME/cohort/tls or
//                $HOME/.config/cohort/tls). Over plain http otherwise (a
//                coordinator on loopback or with --insecure-no-tls).
//                The coordinator must listen on 0.0.0.0 or 127.0.0.1 inside the
//                container for this to reach it.
//   agent:       if $COHORT_HEALTH_FILE is set, that file's mtime must be at most
//                $COHORT_HEALTH_MAX_AGE_MS old (default 10000); else healthy.
//   other/none:  healthy (e.g. `--help`, one-shot commands).
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

const env = process.env;

function pid1Argv() {
  try {
    return readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The value of `--name VALUE` or `--name=VALUE` in argv, else undefined. */
function flag(argv, name) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  return undefined;
}

function intEnv(name, dflt) {
  const n = Number.parseInt(env[name] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : dflt;
}

function done(ok, msg) {
  (ok ? process.stdout : process.stderr).write(`${ok ? 'healthy' : 'unhealthy'}: ${msg}\n`);
  process.exit(ok ? 0 : 1);
}

/** The certificate file the coordinator serves, or undefined when it serves plain HTTP. */
function certFile(argv) {
  if (env.COHORT_TLS_CERT_FILE) return env.COHORT_TLS_CERT_FILE;
  const given = flag(argv, '--tls-cert');
  if (given) return given;
  if (flag(argv, '--tls') !== 'auto') return undefined;
  const stateDir = flag(argv, '--state-dir');
  if (stateDir) return join(stateDir, 'tls', 'cert.pem');
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'cohort', 'tls', 'cert.pem');
}

/** The SHA-256 of the first certificate in a PEM file, as Node spells it (AB:CD:…). */
function pinOf(file) {
  try {
    return new X509Certificate(readFileSync(file)).fingerprint256;
  } catch (err) {
    return done(false, `${file}: ${err.code ?? err.message}`);
  }
}

function checkCoordinator(argv) {
  const port = intEnv('COHORT_PORT', 7070);
  const timeout = intEnv('COHORT_HEALTH_TIMEOUT_MS', 3000);
  const cert = certFile(argv);
  const pin = cert === undefined ? undefined : pinOf(cert);
  const url = `${pin ? 'https' : 'http'}://127.0.0.1:${port}/healthz`;
  const timer = setTimeout(() => done(false, `${url} timed out after ${timeout} ms`), timeout);
  // Over https the certificate is checked by its pin below: no name or chain check against 127.0.0.1.
  const options = { method: 'GET', headers: { connection: 'close' }, ...(pin && { rejectUnauthorized: false }) };
  const req = (pin ? httpsRequest : httpRequest)(url, options, (res) => {
    const code = res.statusCode ?? 0;
    const served = pin ? res.socket.getPeerCertificate().fingerprint256 : undefined;
    res.resume();
    res.on('end', () => {
      clearTimeout(timer);
      if (pin && served !== pin) return done(false, `${url} served a certificate other than ${cert} (${served} vs ${pin})`);
      const hint = !pin && code === 400 ? ' (TLS_REQUIRED? the coordinator speaks TLS: set COHORT_TLS_CERT_FILE to its certificate)' : '';
      done(code >= 200 && code < 300, `${url} -> ${code}${hint}`);
    });
  });
  req.on('error', (err) => {
    clearTimeout(timer);
    done(false, `${url}: ${err.code ?? err.message}`);
  });
  req.end();
}

function checkAgent() {
  const file = env.COHORT_HEALTH_FILE;
  if (!file) return done(true, 'agent (no COHORT_HEALTH_FILE set)');
  const maxAge = intEnv('COHORT_HEALTH_MAX_AGE_MS', 10_000);
  let age;
  try {
    age = Date.now() - statSync(file).mtimeMs;
  } catch (err) {
    return done(false, `${file}: ${err.code ?? err.message}`);
  }
  done(age <= maxAge, `${file} heartbeat ${Math.round(age)} ms old (max ${maxAge})`);
}

const argv = pid1Argv();
const role = (env.COHORT_ROLE || argv.find((a) => a === 'coordinator' || a === 'agent') || '').trim().toLowerCase();
if (role === 'coordinator') checkCoordinator(argv);
else if (role === 'agent') checkAgent();
else done(true, `role '${role || 'none'}' has no health check`);
