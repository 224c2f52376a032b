#!/usr/bin/env node
/**
 * `npm run pack`: build, then write a tarball of every workspace package to
 * packages-dist/ (old tarballs there are removed first). The public packages
 * are @cohort/cli (bin `cohort`) and @cohort/sdk; the others are their
 * dependencies. Install them all at once, so npm takes the @cohort/*
 * dependencies from the tarballs and never asks the registry for them:
 *
 *   npm install /path/to/cohort/packages-dist/*.tgz
 *
 * `--out DIR` writes the tarballs to DIR instead (the packaging test does).
 *
 * Every package must carry the root's version (the @cohort/* dependencies
 * are pinned exactly): a mismatch stops the script before anything is packed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const OUT = resolve(values.out ?? join(ROOT, 'packages-dist'));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The workspace packages, each checked: not private, the root's version, @cohort/* dependencies at that version. */
function workspaces() {
  const root = readJson(join(ROOT, 'package.json'));
  return root.workspaces.map((dir) => {
    const pkg = readJson(join(ROOT, dir, 'package.json'));
    const wrong = [];
    if (pkg.private) wrong.push('is private');
    if (pkg.version !== root.version) wrong.push(`has version ${pkg.version}`);
    for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
      if (name.startsWith('@cohort/') && range !== root.version) wrong.push(`depends on ${name}@${range}`);
    }
    if (wrong.length > 0) throw new Error(`${dir}: ${wrong.join(', ')} (the root is ${root.version})`);
    return dir;
  });
}

function main() {
  const dirs = workspaces();
  const t0 = Date.now();
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(OUT, { recursive: true });
  for (const file of readdirSync(OUT)) if (file.endsWith('.tgz')) rmSync(join(OUT, file));
  const args = ['pack', '--pack-destination', OUT, '--json', '--ignore-scripts', ...dirs.flatMap((dir) => ['--workspace', dir])];
  const packed = JSON.parse(execFileSync(NPM, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  for (const { name, filename, entryCount } of packed) {
    const bytes = statSync(join(OUT, filename)).size;
    process.stdout.write(`${name.padEnd(20)} ${filename.padEnd(32)} ${String(entryCount).padStart(4)} files ${(bytes / 1024).toFixed(0).padStart(5)} KB\n`);
  }
  process.stdout.write(`packed ${packed.length} packages into ${relative(process.cwd(), OUT) || '.'}/ in ${Date.now() - t0} ms\n`);
}

main();
