// Claim 3's slot: receives a large read-only input (SharedArrayBuffer, ArrayBuffer, Buffer, or a
// file path), reads one byte per 4 KiB page so that every page is really there, keeps it, acks.
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

let _kept;
function handle(msg) {
  let bytes;
  if (msg.path) bytes = readFileSync(msg.path);
  else if (msg.data instanceof SharedArrayBuffer || msg.data instanceof ArrayBuffer) bytes = new Uint8Array(msg.data);
  else bytes = msg.data; // a Buffer / Uint8Array (process IPC, advanced serialization)
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i];
  _kept = bytes;
  return { ok: true, sum, length: bytes.length };
}
if (parentPort) parentPort.on('message', (m) => parentPort.postMessage(handle(m)));
else process.on('message', (m) => process.send(handle(m)));
if (parentPort) parentPort.postMessage({ ready: true });
else process.send({ ready: true });
