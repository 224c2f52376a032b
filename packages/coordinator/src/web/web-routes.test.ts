/**
 * The dashboard's routes on a real coordinator (in this process, port 0, no
 * agents): login by `/?token=`, the session cookie on /api, the Origin
 * check, the security headers, and the static files' allow-list.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@cohort/shared';
import { startCoordinator, type Coordinator } from '../coordinator.js';

const TOKEN = 'client-token-for-web-routes-test';
const AGENT_TOKEN = 'agent-token-for-web-routes-test';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let coordinator: Coordinator;
let base: string;
const logged: string[] = [];

/** A raw request: the target is sent as written (no normalisation of `..` or `%2e`). */
function send(method: string, target: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: coordinator.port, method, path: target, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function login(): Promise<string> {
  const answer = await send('GET', `/?token=${TOKEN}`);
  const cookie = String(answer.headers['set-cookie']?.[0] ?? '');
  return cookie.split(';')[0]!;
}

beforeAll(async () => {
  const logger = createLogger({ level: 'debug', sink: (entry) => logged.push(JSON.stringify(entry)) });
  coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, token: TOKEN, agentToken: AGENT_TOKEN, logger });
  base = `http://127.0.0.1:${coordinator.port}`;
});

afterAll(async () => {
  await coordinator?.close();
});

describe('login by /?token=', () => {
  it('sets an HttpOnly SameSite=Strict session cookie and redirects to / without the token', async () => {
    const answer = await send('GET', `/?token=${TOKEN}`);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/');
    const cookie = String(answer.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^cohort_session_${coordinator.port}=[A-Za-z0-9_-]{43}; `));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure'); // plain HTTP here
    expect(cookie).not.toContain(TOKEN);
  });

  it('answers a wrong token with the login page, 401, no cookie, and never echoes or logs it', async () => {
    const wrong = 'wrong-token-<script>alert(1)</script>';
    const answer = await send('GET', `/?token=${encodeURIComponent(wrong)}`);
    expect(answer.status).toBe(401);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.body).toContain('<form method="get" action="/"');
    expect(answer.body).not.toContain('wrong-token');
    expect(answer.body).not.toContain('<script>alert');
    expect(logged.join('\n')).not.toContain('wrong-token');
    expect(logged.join('\n')).not.toContain(TOKEN);
  });

  it('refuses the agent credential with 403 and no cookie', async () => {
    const answer = await send('GET', `/?token=${AGENT_TOKEN}`);
    expect(answer.status).toBe(403);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('shows the login page at / without a credential, the dashboard with the cookie', async () => {
    const anonymous = await send('GET', '/');
    expect(anonymous.body).toContain('name="token"');
    expect(anonymous.body).not.toContain('/dashboard/app.js');
    const cookie = await login();
    const page = await send('GET', '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('/dashboard/app.js');
    const forged = await send('GET', '/', { cookie: `${cookie.split('=')[0]}=${'A'.repeat(43)}` });
    expect(forged.body).toContain('name="token"');
  });

  it('sends the security headers on pages and assets', async () => {
    for (const answer of [await send('GET', '/'), await send('GET', '/dashboard/app.js'), await send('GET', `/?token=nope`)]) {
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
    }
    expect((await send('GET', '/')).headers['cache-control']).toBe('no-store');
    expect((await send('GET', '/dashboard/app.js')).headers['cache-control']).toBe('no-cache');
  });
});

describe('the session cookie on /api', () => {
  it('reads with the cookie, and refuses a missing, forged or malformed one', async () => {
    const cookie = await login();
    expect((await send('GET', '/api/jobs', { cookie })).status).toBe(200);
    expect((await send('GET', '/api/jobs')).status).toBe(401);
    const name = cookie.split('=')[0];
    for (const bad of [`${name}=`, `${name}=${'A'.repeat(43)}`, `${name}=${'x'.repeat(5000)}`, `other=${cookie.split('=')[1]}`, `${name}`, ';;;=;']) {
      expect((await send('GET', '/api/jobs', { cookie: bad })).status, bad.slice(0, 40)).toBe(401);
    }
  });

  it('refuses a state change on the cookie without a same-origin Origin, with 403 FORBIDDEN', async () => {
    const cookie = await login();
    const target = '/api/jobs/j-00000000000000000000000000';
    const noOrigin = await send('DELETE', target, { cookie });
    expect(noOrigin.status).toBe(403);
    expect(JSON.parse(noOrigin.body).error.code).toBe('FORBIDDEN');
    const foreign = await send('DELETE', target, { cookie, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.message).toContain('cross-origin');
    const own = await send('DELETE', target, { cookie, origin: base });
    expect(own.status).not.toBe(403); // past the checks: the job is unknown
  });

  it('leaves bearer clients without Origin alone, and refuses them with a foreign one', async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await send('POST', '/api/jobs', bearer)).status).toBe(400); // an empty body: past the checks
    expect((await send('POST', '/api/jobs', { ...bearer, origin: 'http://evil.example' })).status).toBe(403);
  });
});

describe('static files', () => {
  it('serves the page modules and uPlot with their types, and revalidates by ETag', async () => {
    const js = await send('GET', '/dashboard/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await send('GET', '/dashboard/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const uplot = await send('GET', '/dashboard/vendor/uPlot.esm.js');
    expect(uplot.status).toBe(200);
    expect(uplot.body).toContain('export');
    const again = await send('GET', '/dashboard/app.js', { 'if-none-match': String(js.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('answers 404 to anything off the allow-list, traversal included', async () => {
    const hostile = [
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/package.json',
      '/dashboard/%2E%2E%2Fpackage.json',
      '/dashboard/..%2fpackage.json',
      '/dashboard/vendor/../../package.json',
      '/dashboard//etc/passwd',
      '/dashboard/%2fetc%2fpasswd',
      '/dashboard/app.js%00.css',
      '/dashboard/app.js%00',
      '/dashboard/index.html',
      '/dashboard/.hidden',
      '/dashboard/vendor/uPlot.cjs.js',
      '/dashboard/vendor/package.json',
      '/dashboard/APP.JS',
      '//etc/passwd',
      '/etc/passwd',
      '/dashboard/C:\\Windows\\win.ini',
    ];
    for (const target of hostile) {
      const answer = await send('GET', target);
      expect([400, 404], target).toContain(answer.status);
      expect(answer.body, target).not.toContain('"name": "@cohort/coordinator"');
      expect(answer.body, target).not.toContain('root:');
    }
  });
});

describe('without a configured token (loopback)', () => {
  it('serves the page directly, and still refuses a cross-origin state change (CSRF)', async () => {
    const open = await startCoordinator({ host: '127.0.0.1', port: 0, logger: createLogger({ sink: () => {} }) });
    const at = (method: string, target: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: open.port, method, path: target, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await at('GET', '/')).toBe(200);
      expect(await at('GET', '/?token=anything')).toBe(303);
      expect(await at('GET', '/api/jobs')).toBe(200);
      expect(await at('POST', '/api/jobs', { origin: 'http://evil.example', 'content-type': 'text/plain' })).toBe(403);
      expect(await at('DELETE', '/api/jobs/j_0000000000', { origin: 'http://evil.example' })).toBe(403);
      // DNS rebinding (found by the hostile review): a page whose own name now points at 127.0.0.1 is
      // same-origin with itself, so Host and Origin agree. Without a token only loopback names are answered.
      const rebound = { host: `rebind.attacker.example:${open.port}`, origin: `http://rebind.attacker.example:${open.port}` };
      expect(await at('POST', '/api/jobs', { ...rebound, 'content-type': 'application/json' })).toBe(403);
      expect(await at('GET', '/api/jobs', { host: rebound.host })).toBe(403);
      expect(await at('GET', '/', { host: rebound.host })).toBe(403);
      expect(await at('PUT', `/api/bundles/${'0'.repeat(64)}`, rebound)).toBe(403);
      for (const host of [`localhost:${open.port}`, `127.0.0.2:${open.port}`, `[::1]:${open.port}`, 'localhost']) {
        expect(await at('GET', '/api/jobs', { host }), host).toBe(200);
      }
      expect(await at('GET', '/api/jobs', { host: '127.0.0.1.evil.example' })).toBe(403);
    } finally {
      await open.close();
    }
  });

  it('refuses an agent upgrade from a browser (an Origin header), and from a rebound name', async () => {
    const open = await startCoordinator({ host: '127.0.0.1', port: 0, logger: createLogger({ sink: () => {} }) });
    const upgrade = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: open.port,
          path: '/agent',
          headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await upgrade({})).toBe(101);
      expect(await upgrade({ origin: 'http://evil.example' })).toBe(403);
      expect(await upgrade({ origin: `http://127.0.0.1:${open.port}` })).toBe(403);
      expect(await upgrade({ host: `rebind.attacker.example:${open.port}` })).toBe(403);
    } finally {
      await open.close();
    }
  });
});
