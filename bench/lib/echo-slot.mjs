// Claim 4's slot: answer every message with a tiny ack, so a round trip times one payload crossing.
import { parentPort } from 'node:worker_threads';

if (parentPort) parentPort.on('message', () => parentPort.postMessage(1));
else process.on('message', () => process.send(1));
