// Builds the real control plane from the wrapper modules in kube/modules/ (or finds it already built).
// A cold build compiles a few thousand packages and takes many minutes on two cores, so it reports
// progress; concurrent callers (two test files, a test and `lab up`) wait for one build, not start two.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isAlive } from '../processes.ts';
import {
  type BuildSet,
  binariesIn,
  binDir,
  buildFingerprint,
  findGo,
  type GoTarget,
  helmBuildSet,
  type KubeBinaries,
  kubeBuildSet,
  type PeerProgram,
  peersBuildSet,
  programsOf,
  wrapperModules,
} from './binaries.ts';

export interface BuildOptions {
  readonly log: (line: string) => void;
  /** How often a running build reports progress. */
  readonly progressEveryMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export class KubeBuildError extends Error {}

/** The built programs of a set, building them first if this machine has none for the current inputs. */
async function ensureBuilt(set: BuildSet, options: BuildOptions): Promise<Readonly<Record<string, string>>> {
  const env = options.env ?? process.env;
  const go = findGo(env);
  if (!go) {
    throw new KubeBuildError(
      `${set.what} are built from Go modules, and no Go toolchain was found (not on PATH, not at /usr/local/go/bin/go): install Go ≥ 1.26${set === kubeBuildSet ? ', or run the lab without --kube real' : ''}`,
    );
  }
  const dir = binDir(buildFingerprint(go, set.targets), env, set);
  const names = programsOf(set.targets);
  const found = binariesIn(dir, names);
  if ('binaries' in found) return found.binaries;
  await withBuildLock(join(dirname(dir), 'build.lock'), options.log, async () => {
    if ('binaries' in binariesIn(dir, names)) return;
    options.log(
      `building ${set.what} into ${dir}: a first build takes about ${set.coldMinutes} minutes on 2 cores and up to 2 GiB of memory; later ones reuse it`,
    );
    const staging = `${dir}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const target of set.targets) await buildTarget(go, target, staging, options);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  });
  const built = binariesIn(dir, names);
  if ('missing' in built)
    throw new KubeBuildError(`the build left ${built.missing.join(', ')} missing in ${dir}`);
  return built.binaries;
}

/** etcd, kube-apiserver, kube-controller-manager and kubectl, for `lab up --kube real` and the tests. */
export async function ensureKubeBinaries(options: BuildOptions): Promise<KubeBinaries> {
  return (await ensureBuilt(kubeBuildSet, options)) as KubeBinaries;
}

/** The path of helm, for the chart tests. */
export async function ensureHelm(options: BuildOptions): Promise<string> {
  const built = await ensureBuilt(helmBuildSet, options);
  return built.helm ?? '';
}

/** MetalLB's speaker and controller and kube-vip, for `lab up --lb` and the peers benchmark. */
export async function ensurePeerBinaries(
  options: BuildOptions,
): Promise<Readonly<Record<PeerProgram, string>>> {
  return (await ensureBuilt(peersBuildSet, options)) as Readonly<Record<PeerProgram, string>>;
}

/** Each program of the target, one `go build` each (the second reuses what the first compiled). */
async function buildTarget(
  go: string,
  target: GoTarget,
  outDir: string,
  options: BuildOptions,
): Promise<void> {
  const started = Date.now();
  for (const [pkg, name] of Object.entries(target.programs)) {
    await goBuild(go, target, pkg, join(outDir, name), options);
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  options.log(`  ${target.module}: built ${Object.values(target.programs).join(', ')} in ${minutes} min`);
}

/** `go build -v` names each package it compiles: those lines are the progress. */
async function goBuild(go: string, target: GoTarget, pkg: string, out: string, options: BuildOptions) {
  const started = Date.now();
  const args = ['build', '-v', '-ldflags', target.ldflags, '-o', out, pkg];
  const child = spawn(go, args, {
    cwd: join(wrapperModules, target.module),
    env: { ...(options.env ?? process.env), GOFLAGS: '-mod=readonly', GOWORK: 'off', CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let compiled = 0;
  const tail: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      compiled++;
      tail.push(line);
      if (tail.length > 30) tail.shift();
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const minutes = () => `${((Date.now() - started) / 60_000).toFixed(1)} min`;
  const progress = setInterval(
    () => options.log(`  ${pkg}: ${compiled} packages compiled so far (${minutes()})`),
    options.progressEveryMs ?? 30_000,
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearInterval(progress));
  if (code !== 0) {
    throw new KubeBuildError(
      `go build ${pkg} in kube/modules/${target.module} failed (exit ${code}) after ${minutes()}; its last lines:\n${tail.join('\n')}`,
    );
  }
}

/**
 * One build at a time per cache: a lock folder holding the builder's PID. A lock whose builder has
 * died (a killed test run) is taken over rather than waited on forever.
 */
async function withBuildLock(lock: string, log: (line: string) => void, build: () => Promise<void>) {
  await mkdir(dirname(lock), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(holder) && !isAlive(holder)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`waiting for the build that process ${holder} is running`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    await writeFile(join(lock, 'pid'), String(process.pid));
    await build();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
