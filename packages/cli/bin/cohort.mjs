#!/usr/bin/env node
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`cohort: ${err?.code ?? 'INTERNAL'}: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  },
);
