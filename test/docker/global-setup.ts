/**
 * Once per `npm run test:docker`: make sure an engine answers (docker/engine.sh
 * installs and starts one if need be), build the offline base image if it is
 * missing (docker/base-image.sh; kept afterwards, it is the shared stand-in for
 * node:20-slim and is rebuilt only when the host's node changes), snapshot the
 * engine's containers, networks, images and volumes, and build a uniquely
 * tagged cohort image for the suite.
 *
 * Teardown removes that image by its tag (and so its id, unless another tag
 * holds the same id, which then existed before the suite), removes anything
 * still labelled with this run's id, by id, and fails the run if the engine
 * holds any container, network, image or volume that was not there before.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    cohortImage: string;
    cohortRunId: string;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKER = process.env.DOCKER || 'docker';
export const RUN_LABEL = 'org.cohort.test.run';

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(DOCKER, args, { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

function script(path: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${path} exited with ${code}`))));
  });
}

type Snapshot = Record<'containers' | 'networks' | 'images' | 'volumes', Set<string>>;

async function snapshot(): Promise<Snapshot> {
  const ids = async (args: string[]) => new Set((await docker(args)).split('\n').filter(Boolean));
  return {
    containers: await ids(['ps', '-a', '-q', '--no-trunc']),
    networks: await ids(['network', 'ls', '-q', '--no-trunc']),
    images: await ids(['images', '-a', '-q', '--no-trunc']),
    volumes: await ids(['volume', 'ls', '-q']),
  };
}

function added(before: Snapshot, after: Snapshot): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(before) as Array<keyof Snapshot>) {
    const extra = [...after[key]].filter((id) => !before[key].has(id));
    if (extra.length) out[key] = extra;
  }
  return out;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  await script('docker/engine.sh');
  await script('docker/base-image.sh');
  const before = await snapshot();
  // .ci/docker chooses the id, so that if the suite is cut off it can remove exactly this run's things.
  const runId = process.env.COHORT_TEST_RUN_ID || `${process.pid}-${randomBytes(3).toString('hex')}`;
  const tag = `cohort-test:${runId}`;
  const id = await script('docker/build.sh', ['--no-tsc', '--image', tag]);
  process.stderr.write(`[docker suite] image ${tag} (${id.slice(7, 19)}) ready in ${Date.now() - t0} ms; run label ${RUN_LABEL}=${runId}\n`);
  project.provide('cohortImage', tag);
  project.provide('cohortRunId', runId);

  return async () => {
    const label = `label=${RUN_LABEL}=${runId}`;
    // Safety net: whatever a failed test left behind, found by this run's label only.
    const leftContainers = (await docker(['ps', '-a', '-q', '--filter', label]).catch(() => '')).split('\n').filter(Boolean);
    for (const c of leftContainers) await docker(['rm', '-f', '-v', c]).catch(() => {});
    const leftNetworks = (await docker(['network', 'ls', '-q', '--filter', label]).catch(() => '')).split('\n').filter(Boolean);
    for (const n of leftNetworks) await docker(['network', 'rm', n]).catch(() => {});
    const leftVolumes = (await docker(['volume', 'ls', '-q', '--filter', label]).catch(() => '')).split('\n').filter(Boolean);
    for (const v of leftVolumes) await docker(['volume', 'rm', '-f', v]).catch(() => {});
    if (leftContainers.length + leftNetworks.length + leftVolumes.length > 0) {
      process.stderr.write(
        `[docker suite] swept leftovers: ${leftContainers.length} containers, ${leftNetworks.length} networks, ${leftVolumes.length} volumes\n`,
      );
    }
    await docker(['image', 'rm', tag]);
    const diff = added(before, await snapshot());
    if (Object.keys(diff).length > 0) {
      throw new Error(`the docker suite left things behind: ${JSON.stringify(diff)}`);
    }
    process.stderr.write(`[docker suite] removed ${tag}; no container, network, image or volume left behind\n`);
  };
}
