// One entry point for every component, so the image and the checkout expose the same commands. A
// subcommand whose code is not on disk (the image leaves out the lab) is not offered: --help lists
// only what can run here. The controller and the speaker run from their bundles (dist/, written by
// `npm run bundle`) when the sources are absent (the image) or BAREMETAL_LB_BUNDLED=1 asks for them
// (the lab and the benches, to run what ships); from the sources otherwise, so a checkout never runs
// a stale bundle by accident.
// Plain JavaScript, type-checked through JSDoc: Node runs a .ts entry through its type stripper,
// which costs every process about 16 MB of RSS (a bare process 45 MB, one printing from a .ts file
// 62 MB), and the components themselves run from bundles.
// @ts-check
import { existsSync, readFileSync } from 'node:fs';

/**
 * @typedef {object} Subcommand
 * @property {string} describe
 * @property {string} module The module with its `main`, relative to this file.
 * @property {string} [bundle] Its bundle, relative to this file, for the components that have one.
 */

/** @type {Record<string, Subcommand>} */
const subcommands = {
  apiserver: { describe: 'serve the lab Kubernetes API over plain HTTP', module: '../lab/apiserver/main.ts' },
  'check-config': {
    describe: 'validate pool config files offline',
    module: '../controller/check-config.ts',
    bundle: '../dist/check-config.mjs',
  },
  controller: {
    describe: 'assign LoadBalancer Service IPs from the address pools',
    module: '../controller/main.ts',
    bundle: '../dist/controller.mjs',
  },
  explain: {
    describe: 'who announces a Service or IP, and why not the other nodes',
    module: '../explain/main.ts',
    bundle: '../dist/explain.mjs',
  },
  lab: {
    describe: 'the whole system on this machine: lab up | down | status | logs',
    module: '../lab/main.ts',
  },
  speaker: {
    describe: 'announce the Service IPs this node leads over ARP/NDP',
    module: '../speaker/main.ts',
    bundle: '../dist/speaker.mjs',
  },
};

/** @param {string | undefined} file */
const onDisk = (file) => file !== undefined && existsSync(new URL(file, import.meta.url));
const preferBundle = process.env.BAREMETAL_LB_BUNDLED === '1';
/**
 * The module to load for a subcommand, or undefined when neither form is here.
 * @param {Subcommand} s
 * @returns {string | undefined}
 */
function moduleOf(s) {
  if (onDisk(s.bundle) && (preferBundle || !onDisk(s.module))) return s.bundle;
  return onDisk(s.module) ? s.module : undefined;
}
const present = Object.entries(subcommands).filter(([, s]) => moduleOf(s) !== undefined);

/** @returns {string} */
function version() {
  /** @type {{ version: string }} */
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return manifest.version;
}

/** @returns {string} */
function usage() {
  const lines = present.map(([name, s]) => `  ${name.padEnd(14)}${s.describe}`);
  return `usage: baremetal-lb <subcommand> [flags]\n\nsubcommands:\n${lines.join('\n')}\n\n"baremetal-lb <subcommand> --help" describes its flags; --version prints the version.\n`;
}

const [name, ...rest] = process.argv.slice(2);
if (name === '--version' || name === '-v') {
  process.stdout.write(`baremetal-lb ${version()}\n`);
  process.exit(0);
}
if (!name || name === '--help' || name === '-h') {
  process.stdout.write(usage());
  process.exit(name ? 0 : 2);
}
const entry = present.find(([n]) => n === name)?.[1];
if (!entry) {
  const why = subcommands[name] ? 'is not part of this installation' : 'is unknown';
  process.stderr.write(`baremetal-lb: subcommand "${name}" ${why}\n\n${usage()}`);
  process.exit(2);
}
/** @type {{ main: (argv: string[]) => Promise<number> }} */
const loaded = await import(/** @type {string} */ (moduleOf(entry)));
const code = await loaded.main(rest);
if (code !== undefined && code !== 0) process.exitCode = code;
