// The real control plane's programs (etcd, kube-apiserver, kube-controller-manager, kubectl) and where
// their builds are kept. They are built from the Go wrapper modules in kube/modules/ into a cache folder
// outside the working tree, named by a fingerprint of what goes into the build, so that a changed
// wrapper module or Go toolchain builds afresh and an unchanged one is reused, also by other clones.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const kubernetesVersion = 'v1.36.3';
export const etcdVersion = 'v3.6.16';

const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const wrapperModules = join(repoRoot, 'kube', 'modules');

export interface GoTarget {
  /** The wrapper module's folder under kube/modules/. */
  readonly module: string;
  /** Package path → the program's file name. */
  readonly programs: Readonly<Record<string, string>>;
  readonly ldflags: string;
}

/** Version stamps, so that `kubectl version` and the server's /version say v1.36.3, not v0.0.0-master. */
function kubernetesStamps(): string {
  const [major, minor] = kubernetesVersion.slice(1).split('.');
  const values = { gitVersion: kubernetesVersion, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => Object.entries(values).map(([key, value]) => `-X ${pkg}.${key}=${value}`))
    .join(' ');
}

export const goTargets: readonly GoTarget[] = [
  {
    module: 'etcd',
    programs: { 'go.etcd.io/etcd/server/v3': 'etcd' },
    ldflags: '-s -w',
  },
  {
    module: 'kubernetes',
    programs: {
      'k8s.io/kubernetes/cmd/kube-apiserver': 'kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager': 'kube-controller-manager',
      'k8s.io/kubernetes/cmd/kubectl': 'kubectl',
    },
    ldflags: `-s -w ${kubernetesStamps()}`,
  },
];

export type ProgramName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kubectl';

/** Where builds are kept: $BAREMETAL_LB_CACHE, else $XDG_CACHE_HOME/baremetal-lb, else ~/.cache/baremetal-lb. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BAREMETAL_LB_CACHE) return env.BAREMETAL_LB_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'baremetal-lb');
}

const goBinary = '/usr/local/go/bin/go';

/** The Go command to build with: `go` on PATH, else the toolchain's usual home. */
export function findGo(env: NodeJS.ProcessEnv = process.env, usualHome = goBinary): string | undefined {
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  return existsSync(usualHome) ? usualHome : undefined;
}

/**
 * A hash of everything that decides the binaries: the wrapper modules' go.mod and go.sum, the
 * link flags and the Go version. Programs built from the same inputs are the same programs.
 */
export function buildFingerprint(go: string): string {
  const hash = createHash('sha256');
  for (const target of goTargets) {
    for (const file of ['go.mod', 'go.sum'])
      hash.update(readFileSync(join(wrapperModules, target.module, file)));
    hash.update(target.ldflags);
  }
  hash.update(execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim());
  return hash.digest('hex').slice(0, 16);
}

export function binDir(fingerprint: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'kube', `${kubernetesVersion}-${fingerprint}`, 'bin');
}

export type KubeBinaries = Readonly<Record<ProgramName, string>>;

export const programNames: readonly ProgramName[] = goTargets.flatMap(
  (t) => Object.values(t.programs) as ProgramName[],
);

/** The programs in `dir`, or the names of those missing from it. */
export function binariesIn(dir: string): { binaries: KubeBinaries } | { missing: ProgramName[] } {
  const missing = programNames.filter((name) => !existsSync(join(dir, name)));
  if (missing.length) return { missing };
  return {
    binaries: Object.fromEntries(programNames.map((n) => [n, join(dir, n)])) as Record<ProgramName, string>,
  };
}
