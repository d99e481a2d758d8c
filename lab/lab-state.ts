// Where a lab keeps its files, and the machine-readable state file scripts rely on
// (`.lab/state.json`). Its keys are a promise to users: add, never rename.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface LabPaths {
  readonly dir: string;
  readonly state: string;
  /** The admin's kubeconfig: kubectl, kube-proxy and the tests use it. */
  readonly kubeconfig: string;
  /** The controller's and the speakers' own, holding their ServiceAccount tokens. */
  readonly controllerKubeconfig: string;
  readonly speakerKubeconfig: string;
  /** The speakers' shared failure-detector secret (0600), read into their environment at start. */
  readonly memberlistSecret: string;
  readonly apiserverData: string;
  readonly apiSocket: string;
  readonly logs: string;
}

export function labPaths(dir: string): LabPaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    state: join(abs, 'state.json'),
    kubeconfig: join(abs, 'kubeconfig'),
    controllerKubeconfig: join(abs, 'controller.kubeconfig'),
    speakerKubeconfig: join(abs, 'speaker.kubeconfig'),
    memberlistSecret: join(abs, 'memberlist.secret'),
    apiserverData: join(abs, 'apiserver-data'),
    apiSocket: join(abs, 'apiserver.sock'),
    logs: join(abs, 'logs'),
  };
}

export interface LabProcess {
  readonly name: string;
  readonly pid: number;
  /** When it started (clock ticks since boot), so a reused PID is told apart; absent in older state files. */
  readonly startTicks?: number;
  readonly netns?: string;
  /** How to start it again (`restartComponent`); absent in state files of older labs. */
  readonly command?: string;
  readonly args?: readonly string[];
  /** Environment variables it reads from files (names → paths), e.g. the memberlist secret. */
  readonly secretFiles?: Readonly<Record<string, string>>;
  /** Environment variables set for it (no secrets), e.g. BAREMETAL_LB_BUNDLED. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LabHostState {
  netns: string;
  interface: string;
  ipv4: string;
  ipv6: string;
}

export interface LabNodeState extends LabHostState {
  name: string;
  mac: string;
  speakerPid: number | null;
}

export interface LabState {
  prefix: string;
  kubeconfig: string;
  /** Kubeconfigs of the components' ServiceAccounts (added later than the keys above: may be absent). */
  serviceAccountKubeconfigs?: { controller: string; speaker: string };
  apiserver: { url: string; port: number };
  /** Which API the lab runs ('embedded' or 'real'), and the kubectl that matches it (added later: may be absent). */
  kube?: 'embedded' | 'real';
  kubectl?: string;
  /** How the product was installed (added later: may be absent, meaning kustomize). */
  install?: 'kustomize' | 'helm';
  /** Which implementation announces (added later: may be absent, meaning baremetal-lb). */
  lb?: 'baremetal-lb' | 'baremetal-lb-fast' | 'metallb' | 'kube-vip' | 'keepalived' | 'keepalived-tuned';
  client: LabHostState;
  nodes: LabNodeState[];
  ingress: { namespace: string; service: string; ipv4: string | null; ipv6: string | null };
  processes: LabProcess[];
}

/**
 * What a lab puts in its folder, besides a folder per node (named after the node): `lab down` removes
 * these and nothing else, so a user's file in the same folder survives.
 */
export const labEntries = [
  'state.json',
  'state.json.tmp',
  'kubeconfig',
  'controller.kubeconfig',
  'speaker.kubeconfig',
  'memberlist.secret',
  'metallb-memberlist',
  'apiserver-data',
  'apiserver.sock',
  'logs',
  'kubectl-cache',
  'control-plane',
] as const;

export async function readState(paths: LabPaths): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(paths.state, 'utf8')) as LabState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${paths.state} is unreadable (${(error as Error).message}); run "lab down" to clean up`);
  }
}

/** Written whole and renamed into place, so a reader never sees half a file. */
export async function writeState(paths: LabPaths, state: LabState): Promise<void> {
  await mkdir(paths.dir, { recursive: true });
  const temp = `${paths.state}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temp, paths.state);
}
