/**
 * Setup of the cluster projects, run before each test file: after each test,
 * stop every coordinator and agent it started (by pid). A setup file, not a
 * hook registered when helpers/cluster.ts is imported: the cluster projects
 * share one module graph per worker, so that import happens once per worker.
 */
import { afterEach } from 'vitest';
import { stopStarted } from './helpers/cluster.js';

afterEach(stopStarted);
