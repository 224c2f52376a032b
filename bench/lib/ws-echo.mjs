/**
 * The raw `ws` ceiling for the data plane: a server process that echoes every
 * binary message on 127.0.0.1, and a client that sends `count` messages of
 * `bytes` with at most `window` in flight, as Cohort's agent keeps slots plus
 * prefetch busy.
 *
 *   node ws-echo.mjs          (as a child: prints "port N", echoes until killed)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[1] === SELF) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  wss.on('listening', () => process.stdout.write(`port ${wss.address().port}\n`));
}

/** Start the echo server in its own process; resolves with {port, pid, stop()}. */
export function startEchoServer() {
  const child = spawn(process.execPath, [SELF], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('ws echo server not listening in 10 s')), 10_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        pid: child.pid,
        stop: () =>
          new Promise((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', r);
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`ws echo server exited ${code}`)));
  });
}

/** Wall time (ms) to send `count` messages of `bytes` and get each echoed back, `window` in flight. */
export async function echoRun(port, { count, bytes, window }) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const payload = new Uint8Array(bytes).fill(7);
  let sent = 0;
  let received = 0;
  let echoed = 0;
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ws echo: ${received}/${count} after 120 s`)), 120_000);
    const pump = () => {
      while (sent < count && sent - received < window) {
        sent++;
        ws.send(payload);
      }
    };
    ws.on('message', (data) => {
      received++;
      echoed += data.length;
      if (received === count) {
        clearTimeout(timer);
        resolve();
      } else pump();
    });
    pump();
  });
  const ms = performance.now() - t0;
  ws.close();
  if (echoed !== count * bytes) throw new Error(`ws echo: ${echoed} bytes back, expected ${count * bytes}`);
  return ms;
}
