#!/usr/bin/env node
// Container health check for Cohort images. Runs as the Dockerfile's exec-form
// HEALTHCHECK (`node /app/healthcheck.mjs`): the images have no shell or curl.
// Exit 0 = healthy, 1 = unhealthy. No dependencies; plain Node >= 18.
//
// Role: $COHORT_ROLE ("coordinator" | "agent"); when unset it is read from the
// container's main process (/proc/1/cmdline, e.g. `node /app/cohort.mjs agent`).
//   coordinator: GET http://127.0.0.1:$COHORT_PORT/healthz (port default 7070)
//                must answer 2xx within $COHORT_HEALTH_TIMEOUT_MS (default 3000).
//                The coordinator must listen on 0.0.0.0 or 127.0.0.1 inside the
//                container for this to reach it.
//   agent:       if $COHORT_HEALTH_FILE is set, that file's mtime must be at most
//                $COHORT_HEALTH_MAX_AGE_MS old (default 10000); else healthy.
//   other/none:  healthy (e.g. `--help`, one-shot commands).
import { request } from 'node:http';
import { readFileSync, statSync } from 'node:fs';

const env = process.env;

function roleFromPid1() {
  try {
    const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    return argv.find((a) => a === 'coordinator' || a === 'agent') ?? '';
  } catch {
    return '';
  }
}

function intEnv(name, dflt) {
  const n = Number.parseInt(env[name] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : dflt;
}

function done(ok, msg) {
  (ok ? process.stdout : process.stderr).write(`${ok ? 'healthy' : 'unhealthy'}: ${msg}\n`);
  process.exit(ok ? 0 : 1);
}

function checkCoordinator() {
  const port = intEnv('COHORT_PORT', 7070);
  const timeout = intEnv('COHORT_HEALTH_TIMEOUT_MS', 3000);
  const url = `http://127.0.0.1:${port}/healthz`;
  const timer = setTimeout(() => done(false, `${url} timed out after ${timeout} ms`), timeout);
  const req = request(url, { method: 'GET', headers: { connection: 'close' } }, (res) => {
    const code = res.statusCode ?? 0;
    res.resume();
    res.on('end', () => {
      clearTimeout(timer);
      done(code >= 200 && code < 300, `${url} -> ${code}`);
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

const role = (env.COHORT_ROLE || roleFromPid1()).trim().toLowerCase();
if (role === 'coordinator') checkCoordinator();
else if (role === 'agent') checkAgent();
else done(true, `role '${role || 'none'}' has no health check`);
