/** Placeholder until the bundler lands (h-bundler): the signature the client codes against. */
import { CohortError, ErrorCode } from '@cohort/shared';

export interface TaskBundle {
  hash: string;
  ref: string;
  bytes: Uint8Array;
  size: number;
  entry: string;
  inputs: Array<{ path: string; bytes: number }>;
}

export async function bundleTask(file: string, _options: { maxBytes?: number; cwd?: string } = {}): Promise<TaskBundle> {
  throw new CohortError(ErrorCode.BUNDLE_BUILD_FAILED, `bundling is not built yet: ${file}`);
}
