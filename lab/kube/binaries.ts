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

export const helmVersion = 'v4.3.2';

/** helm, for the chart tests: helm's own version stamp, so `helm version` says v4.3.2 and not v4.3. */
export const helmTarget: GoTarget = {
  module: 'helm',
  programs: { 'helm.sh/helm/v4/cmd/helm': 'helm' },
  ldflags: `-s -w -X helm.sh/helm/v4/internal/version.version=${helmVersion}`,
};

/** Programs built and cached together: one fingerprint, one cache folder, one lock. */
export interface BuildSet {
  /** The cache's subfolder. */
  readonly cacheName: string;
  readonly version: string;
  readonly targets: readonly GoTarget[];
  /** For the log: what is built, and about how long a cold build takes on 2 cores. */
  readonly what: string;
  readonly coldMinutes: number;
}

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
export function buildFingerprint(go: string, targets: readonly GoTarget[] = goTargets): string {
  const hash = createHash('sha256');
  for (const target of targets) {
    for (const file of ['go.mod', 'go.sum'])
      hash.update(readFileSync(join(wrapperModules, target.module, file)));
    hash.update(target.ldflags);
  }
  hash.update(execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim());
  return hash.digest('hex').slice(0, 16);
}

export const kubeBuildSet: BuildSet = {
  cacheName: 'kube',
  version: kubernetesVersion,
  targets: goTargets,
  what: `kube-apiserver, kube-controller-manager and kubectl ${kubernetesVersion} and etcd ${etcdVersion}`,
  coldMinutes: 11,
};

export const helmBuildSet: BuildSet = {
  cacheName: 'helm',
  version: helmVersion,
  targets: [helmTarget],
  what: `helm ${helmVersion}`,
  coldMinutes: 3,
};

export const metallbVersion = 'v0.15.3';
/** v1.2.3, which the peers issue names, is not served by the Go module proxy here: the nearest is. */
export const kubeVipVersion = 'v1.2.2';

/** The real MetalLB and kube-vip, for `lab up --lb` and the peers benchmark. */
export const peersBuildSet: BuildSet = {
  cacheName: 'peers',
  version: `metallb-${metallbVersion}-kube-vip-${kubeVipVersion}`,
  targets: [
    {
      module: 'metallb',
      programs: {
        'go.universe.tf/metallb/speaker': 'metallb-speaker',
        'go.universe.tf/metallb/controller': 'metallb-controller',
      },
      ldflags: '-s -w',
    },
    {
      module: 'kube-vip',
      programs: { 'github.com/kube-vip/kube-vip': 'kube-vip' },
      ldflags: `-s -w -X main.Version=${kubeVipVersion}`,
    },
  ],
  what: `MetalLB ${metallbVersion} (speaker, controller) and kube-vip ${kubeVipVersion}`,
  coldMinutes: 4,
};

export type PeerProgram = 'metallb-speaker' | 'metallb-controller' | 'kube-vip';

export function binDir(
  fingerprint: string,
  env: NodeJS.ProcessEnv = process.env,
  set: BuildSet = kubeBuildSet,
): string {
  return join(cacheRoot(env), set.cacheName, `${set.version}-${fingerprint}`, 'bin');
}

export type KubeBinaries = Readonly<Record<ProgramName, string>>;

export function programsOf(targets: readonly GoTarget[]): string[] {
  return targets.flatMap((t) => Object.values(t.programs));
}

export const programNames = programsOf(goTargets) as readonly ProgramName[];

/** The programs in `dir`, or the names of those missing from it. */
export function binariesIn(
  dir: string,
  names: readonly string[] = programNames,
): { binaries: Readonly<Record<string, string>> } | { missing: string[] } {
  const missing = names.filter((name) => !existsSync(join(dir, name)));
  if (missing.length) return { missing };
  return { binaries: Object.fromEntries(names.map((n) => [n, join(dir, n)])) };
}
