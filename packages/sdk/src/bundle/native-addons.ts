/**
 * Native addons cannot be shipped: a `.node` file is machine code built for
 * one platform and Node ABI, and it cannot live inside one ES module.
 *
 * - A `.node` file imported or required directly is a build error that names
 *   the module pulling it in (BUNDLE_BUILD_FAILED).
 * - The loader packages through which most addons find their binary at run
 *   time (`bindings`, `node-gyp-build`, `node-pre-gyp`) are replaced by a
 *   module that throws, when required, an error that names the module and
 *   says why, with code MODULE_NOT_FOUND. Whether such a require is optional
 *   cannot be told at build time: msgpackr and ws try an accelerator and fall
 *   back to JavaScript when it is missing, and refusing them would refuse
 *   working tasks. A task that needs its addon fails when it loads (on the
 *   coordinator, at submission) with that message.
 */
import { relative } from 'node:path';
import type { OnResolveArgs, Plugin, PluginBuild } from 'esbuild';

/** Packages whose only job is to find and load a compiled addon at run time. */
export const ADDON_LOADERS = ['bindings', 'node-gyp-build', 'node-gyp-build-optional-packages', 'node-pre-gyp', '@mapbox/node-pre-gyp'];

const NODE_FILE = /\.node$/;
const LOADER = new RegExp(`^(${ADDON_LOADERS.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
const STUB_NAMESPACE = 'cohort-native-addon';
/** Marks the plugin's own resolve call, so it does not intercept itself. */
const PROBE = Symbol('cohort-addon-probe');

const ADVICE = 'native addons cannot be shipped in a task bundle; install that module on every agent and load a trusted task from --tasks-dir instead';

/**
 * The package a file belongs to (`node_modules/<name>/…` or
 * `node_modules/@scope/<name>/…`), or else the file, relative to `workDir`.
 */
export function ownerOf(importer: string, workDir: string): string {
  const file = relative(workDir, importer).replaceAll('\\', '/');
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return file;
  const name = parts[at + 1] as string;
  return name.startsWith('@') && parts[at + 2] ? `${name}/${parts[at + 2]}` : name;
}

function addonMessage(owner: string, what: string): string {
  return `native addon: ${owner} loads ${what}: ${ADVICE}`;
}

async function onLoader(build: PluginBuild, args: OnResolveArgs, workDir: string) {
  if (args.pluginData === PROBE) return undefined;
  const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: PROBE });
  // A loader that is not installed is left to esbuild (external in a try block, else a build error).
  if (found.errors.length > 0) return undefined;
  const owner = ownerOf(args.importer, workDir);
  return { path: `${owner}>${args.path}`, namespace: STUB_NAMESPACE, pluginData: addonMessage(owner, `a native addon through ${args.path}`) };
}

/** The module a loader is replaced with: it throws as a missing module would. */
export function stubSource(message: string): string {
  return `const err = new Error(${JSON.stringify(message)});\nerr.code = 'MODULE_NOT_FOUND';\nthrow err;\n`;
}

/** `workDir`: the build's working directory, which the messages' paths are relative to. */
export function nativeAddonsPlugin(workDir: string): Plugin {
  return {
    name: 'cohort-native-addons',
    setup(build) {
      build.onResolve({ filter: NODE_FILE }, (args) => ({
        errors: [{ text: addonMessage(ownerOf(args.importer, workDir), args.path) }],
      }));
      build.onResolve({ filter: LOADER }, (args) => onLoader(build, args, workDir));
      build.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, (args) => ({
        contents: stubSource(String(args.pluginData)),
        loader: 'js',
      }));
    },
  };
}
