// The Dockerfile's steps, replayed without a Docker engine: the build context is the tree minus
// .dockerignore, each stage's WORKDIR/ENV/COPY/RUN is carried out in a folder standing in for that
// stage's filesystem, and the runtime stage's ENTRYPOINT is run from its folder on the pinned Node
// (standing in for the image's Node 24). Slow: npm ci downloads and builds the addon (~1 min).
//
// Two deliberate differences from a real build: the addon is built against this machine's Node
// headers (/usr, not the image's /usr/local; N-API keeps the binary valid across Node versions),
// and npm uses a temporary cache.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  isIgnored,
  parseCopy,
  parseDockerfile,
  parseDockerignore,
  parseEnv,
  parseExecForm,
  type Stage,
} from '../../unit/manifests/dockerfile.ts';
import { examplesDir, repoRoot } from '../../unit/manifests/manifest-files.ts';

const pinnedNodeBin = path.join(repoRoot, 'node_modules', 'node', 'bin');
const hostPath = `${pinnedNodeBin}:${process.env.PATH ?? ''}`;

function registryProblem(): string | undefined {
  const ping = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 20_000 });
  if (ping.status === 0) return undefined;
  return `npm registry unreachable (npm ping: ${ping.error?.message ?? ping.stderr.trim().split('\n').at(-1)}); skipping the Dockerfile steps`;
}

function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`RUN ${command} exited ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** The files `docker build .` would send: tracked and untracked-but-not-gitignored, minus .dockerignore. */
function buildContextFiles(): string[] {
  const git = (...args: string[]) =>
    spawnSync('git', ['ls-files', '-z', ...args], { cwd: repoRoot, encoding: 'utf8' }).stdout.split('\0');
  const patterns = parseDockerignore(readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8'));
  const files = new Set([...git(), ...git('--others', '--exclude-standard')]);
  return [...files].filter((f) => f && existsSync(path.join(repoRoot, f)) && !isIgnored(f, patterns)).sort();
}

interface ReplayedStage {
  readonly root: string;
  readonly env: Record<string, string>;
  readonly entrypoint?: string[];
}

/** Carries out one stage's steps in `root`; RUN may only run npm (nothing else belongs in the build). */
async function replay(
  stage: Stage,
  root: string,
  context: string,
  built: ReadonlyMap<string, ReplayedStage>,
  runEnv: NodeJS.ProcessEnv,
): Promise<ReplayedStage> {
  let workdir = '/';
  const env: Record<string, string> = {};
  let entrypoint: string[] | undefined;
  const inRoot = (containerPath: string) => path.join(root, path.posix.resolve(workdir, containerPath));
  for (const { keyword, args, line } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = path.posix.resolve(workdir, args);
      mkdirSync(inRoot('.'), { recursive: true });
    } else if (keyword === 'ENV') {
      Object.assign(env, parseEnv(args));
    } else if (keyword === 'COPY') {
      const copy = parseCopy(args);
      const from = copy.from === undefined ? undefined : built.get(copy.from);
      if (copy.from !== undefined && !from) throw new Error(`line ${line}: no earlier stage "${copy.from}"`);
      for (const source of copy.sources) {
        const sourcePath = from ? path.join(from.root, source) : path.join(context, source);
        assert.ok(existsSync(sourcePath), `Dockerfile line ${line}: COPY source ${source} does not exist`);
        const intoFolder = copy.destination.endsWith('/') && !/^\.\/?$/.test(source);
        const destination = inRoot(
          intoFolder ? path.posix.join(copy.destination, path.basename(source)) : copy.destination,
        );
        mkdirSync(path.dirname(destination), { recursive: true });
        cpSync(sourcePath, destination, { recursive: true });
      }
    } else if (keyword === 'RUN') {
      for (const part of args.split('&&'))
        assert.match(part.trim(), /^npm /, `Dockerfile line ${line}: the replay only runs npm steps`);
      await runShell(args, inRoot('.'), { ...runEnv, ...env, ...hostOverrides(root) });
    } else if (keyword === 'ENTRYPOINT') {
      entrypoint = parseExecForm(args);
    }
  }
  return { root, env, ...(entrypoint ? { entrypoint } : {}) };
}

function hostOverrides(root: string): NodeJS.ProcessEnv {
  return { npm_config_nodedir: '/usr', npm_config_cache: path.join(root, '..', 'npm-cache'), PATH: hostPath };
}

const skip = registryProblem();

test('the Dockerfile steps build a runtime that runs every subcommand', {
  skip,
  timeout: 600_000,
}, async (t) => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'docker-steps-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const context = path.join(scratch, 'context');
  const files = buildContextFiles();
  assert.ok(files.includes('bin/baremetal-lb') && files.includes('package-lock.json'));
  assert.ok(!files.some((f) => f.startsWith('node_modules/') || f.startsWith('test/')));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(context, file)), { recursive: true });
    cpSync(path.join(repoRoot, file), path.join(context, file));
  }

  const stages = parseDockerfile(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
  const built = new Map<string, ReplayedStage>();
  let last: ReplayedStage | undefined;
  for (const [index, stage] of stages.entries()) {
    const root = path.join(scratch, `stage-${index}`);
    mkdirSync(root);
    last = await replay(stage, root, context, built, { ...process.env, PATH: hostPath });
    built.set(stage.name ?? String(index), last);
  }
  assert.ok(last?.entrypoint, 'the last stage has an exec-form ENTRYPOINT');
  const app = path.join(last.root, 'app');

  for (const devOnly of ['node', '.bin/node', 'typescript', '@biomejs', 'fast-check'])
    assert.ok(
      !existsSync(path.join(app, 'node_modules', devOnly)),
      `runtime has no dev dependency ${devOnly}`,
    );
  assert.ok(existsSync(path.join(app, 'build', 'Release', 'packet_socket.node')));

  const [command = '', ...baseArgs] = last.entrypoint;
  const runtimeEnv = { ...process.env, ...last.env, PATH: hostPath };
  const entry = (...args: string[]) =>
    spawnSync(path.join(last.root, command), [...baseArgs, ...args], {
      encoding: 'utf8',
      env: runtimeEnv,
      timeout: 60_000,
    });
  const help = entry('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /controller/);
  assert.match(help.stdout, /speaker/);
  for (const subcommand of ['controller', 'speaker', 'check-config', 'explain']) {
    const result = entry(subcommand, '--help');
    assert.equal(result.status, 0, `${subcommand} --help: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^usage: baremetal-lb ${subcommand}\\b`));
  }
  for (const component of ['controller', 'speaker'])
    assert.match(entry(component, '--help').stdout, /--metrics-addr/);
  const check = entry('check-config', path.join(examplesDir, 'pool-configmap.yaml'));
  assert.equal(check.status, 0, check.stdout + check.stderr);

  const addon = spawnSync(
    path.join(pinnedNodeBin, 'node'),
    [
      '-e',
      'console.log(Object.keys(require(process.argv[1])).join(","))',
      path.join(app, 'build/Release/packet_socket.node'),
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(addon.status, 0, addon.stderr);
  assert.notEqual(addon.stdout.trim(), '', 'the addon exports its functions');
});
