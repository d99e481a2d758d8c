// Bundles the controller and the speaker, each with its dependencies, into one ES module in dist/
// (and each worker thread's entry into one of its own), tree-shaken: a component loads only the
// code it can run. (explain still uses @kubernetes/client-node, whose index alone loads every
// generated API group, about 85 MB of a process's RSS; bundled, only the groups in use remain.
// The controller and the speaker have their own client.) The native addon stays a file
// (build/Release), found from the bundle through common/module-location.ts.
//   node scripts/bundle.ts        (npm run bundle)
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const bundleEntries: Record<string, string> = {
  speaker: 'speaker/main.ts',
  controller: 'controller/main.ts',
  'check-config': 'controller/check-config.ts',
  explain: 'explain/main.ts',
  'load-worker': 'common/pool-config/load-worker.ts',
};

/**
 * Writes dist/: one bundle per entry. Each file is built aside and renamed into place, so a process
 * that starts a worker from dist/ while another lab or bench rebuilds always reads a whole file.
 */
export async function buildBundles(): Promise<void> {
  const staging = await mkdtemp(path.join(root, '.dist-'));
  try {
    await bundleInto(staging);
    await mkdir(path.join(root, 'dist'), { recursive: true });
    for (const file of await readdir(staging))
      await rename(path.join(staging, file), path.join(root, 'dist', file));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function bundleInto(outdir: string): Promise<void> {
  await build({
    entryPoints: Object.fromEntries(
      Object.entries(bundleEntries).map(([name, file]) => [name, path.join(root, file)]),
    ),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: false,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // CommonJS dependencies (pino, prom-client, …) call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
    legalComments: 'none',
    // V8 keeps a bundle's source for as long as it runs (functions compile lazily from it): without
    // whitespace and comments it is much smaller, and ASCII-only it is stored one byte a character
    // instead of two. Names stay as written, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    charset: 'ascii',
    plugins: [builtinsWithoutNamespace],
  });
}

const isIdentifier = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default';

/**
 * An ES module importing a Node built-in gets a namespace of all its exports, which reads every
 * lazy getter on it: node:http's WebSocket, CloseEvent and MessageEvent load Node's own copy of
 * undici, 14 MB of RSS that nothing here uses (a bare process: 42 MB, after `import 'node:http'`
 * 59 MB, after `require('node:http')` 45 MB). So the bundles take built-ins the CommonJS way
 * (process.getBuiltinModule), as named constants of its plain properties; a getter is never read,
 * and importing one by name fails the build instead of loading it.
 */
const builtinsWithoutNamespace: Plugin = {
  name: 'builtins-without-namespace',
  setup(bundle) {
    const builtins = new Set(builtinModules);
    bundle.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.kind !== 'import-statement' || !builtins.has(name)) return undefined;
      return { path: `node:${name}`, namespace: 'builtin' };
    });
    const load = createRequire(import.meta.url);
    bundle.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const module = load(args.path) as Record<string, unknown>;
      const plain = Object.keys(module).filter(
        (name) => isIdentifier(name) && !Object.getOwnPropertyDescriptor(module, name)?.get,
      );
      const lines = [
        `const builtin = process.getBuiltinModule(${JSON.stringify(args.path)});`,
        'export default builtin;',
        ...plain.map((name) => `export const ${name} = builtin.${name};`),
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

if (import.meta.main) {
  await buildBundles();
  process.stdout.write(`bundled ${Object.keys(bundleEntries).join(', ')} into dist/\n`);
}
