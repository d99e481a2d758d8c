// One whole lab per end-to-end test file (`labUp` in-process, `labDown` always), and the user's
// tools against it: the real kubectl, and arping, ndisc6 and curl from the client namespace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml, stringify as toYaml } from 'yaml';
import { formatIP, parseIP } from '../../common/ip-address.ts';
import { type AddressRange, parseAddressRange } from '../../common/pool-config/address-range.ts';
import type { LoadBalancerName } from '../../lab/announcers.ts';
import { endpointSliceObject, systemNamespace } from '../../lab/cluster-objects.ts';
import type { InstallMethod } from '../../lab/helm-install.ts';
import { auditDenials } from '../../lab/kube/audit.ts';
import { apiServerProcessName } from '../../lab/kube-api.ts';
import { type Kubectl, kubectlFor } from '../../lab/kubectl.ts';
import { labDown } from '../../lab/lab-down.ts';
import { type LabPaths, type LabState, labPaths } from '../../lab/lab-state.ts';
import { labUp } from '../../lab/lab-up.ts';
import { type LabHost, type LabTopology, planTopology } from '../../lab/network/topology.ts';
import { restartComponent } from '../../lab/restart-component.ts';
import { backend } from '../kube-cluster.ts';

export const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const fixtures = join(repoRoot, 'test', 'e2e', 'fixtures');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, whatever its exit code; bounded by `timeoutMs`. */
export function runCommand(command: string, args: readonly string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value; on timeout the error names `what` and the last observation. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<{ value?: T; seen: string }>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = '(nothing yet)';
  for (;;) {
    try {
      const result = await probe();
      if (result.value !== undefined) return result.value;
      seen = result.seen;
    } catch (error) {
      seen = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    await sleep(intervalMs);
  }
}

export interface PoolSource {
  configMap: { namespace: string; name: string };
  poolName: string;
  ranges: AddressRange[];
}

/**
 * The lab must get a dual-stack ingress Service from ONE pool with both families. The example
 * manifests are used when they say so; otherwise the fixtures stand in and `note` says why.
 */
async function chooseManifests(): Promise<{
  crds: string;
  poolConfig: string;
  ingressService: string;
  notes: string[];
}> {
  const crdDir = join(repoRoot, 'manifests', 'crds');
  const crdTexts = await readdir(crdDir)
    .then((files) =>
      Promise.all(files.filter((f) => /\.ya?ml$/.test(f)).map((f) => readFile(join(crdDir, f), 'utf8'))),
    )
    .catch(() => [] as string[]);
  const projectCrds = crdTexts.some((t) => t.includes('ipaddresspools.metallb.io'));
  const crds = projectCrds ? crdDir : join(fixtures, 'crds.yaml');
  const notes = projectCrds ? [] : [`using test/e2e/fixtures/crds.yaml: ${crdDir} has no metallb.io CRDs`];
  const examples = join(repoRoot, 'manifests', 'examples');
  const poolConfig = join(examples, 'pool-configmap.yaml');
  const ingressService = join(examples, 'ingress-nginx-service.yaml');
  const problems: string[] = [];
  try {
    const pool = await readPoolSource(poolConfig);
    if (!pool.ranges.some((r) => r.family === 4) || !pool.ranges.some((r) => r.family === 6)) {
      problems.push(`${poolConfig}: pool "${pool.poolName}" does not hold both an IPv4 and an IPv6 range`);
    }
  } catch (error) {
    problems.push((error as Error).message);
  }
  try {
    const docs = parseAllDocuments(await readFile(ingressService, 'utf8')).map((d) => d.toJS());
    const svc = docs.find((d) => d?.kind === 'Service');
    const families = svc?.spec?.ipFamilies ?? [];
    if (!/DualStack$/.test(svc?.spec?.ipFamilyPolicy ?? '') || !families.includes('IPv6')) {
      problems.push(`${ingressService}: the Service is not dual-stack (ipFamilyPolicy/ipFamilies)`);
    }
  } catch (error) {
    problems.push(`${ingressService}: ${(error as Error).message}`);
  }
  if (problems.length === 0) return { crds, poolConfig, ingressService, notes };
  return {
    crds,
    poolConfig: join(fixtures, 'pool-configmap.yaml'),
    ingressService: join(fixtures, 'ingress-nginx-service.yaml'),
    notes: [...notes, `using test/e2e/fixtures instead of the example manifests: ${problems.join('; ')}`],
  };
}

/** The first pool of a MetalLB ConfigMap manifest (the lab's pool). */
export async function readPoolSource(file: string): Promise<PoolSource> {
  const docs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS());
  const cm = docs.find((d) => d?.kind === 'ConfigMap');
  if (!cm) throw new Error(`${file}: no ConfigMap`);
  const config = parseYaml(cm.data?.config ?? '') as {
    'address-pools'?: { name: string; addresses: string[] }[];
  };
  const pool = config?.['address-pools']?.[0];
  if (!pool) throw new Error(`${file}: data.config has no address-pools`);
  const ranges = pool.addresses.map((text) => {
    const parsed = parseAddressRange(text);
    if (!parsed.ok) throw new Error(`${file}: pool address "${text}": ${parsed.message}`);
    return parsed.range;
  });
  return {
    configMap: { namespace: cm.metadata?.namespace ?? 'default', name: cm.metadata?.name },
    poolName: pool.name,
    ranges,
  };
}

export function inRanges(ip: string, ranges: readonly AddressRange[]): boolean {
  const parsed = parseIP(ip);
  return (
    parsed !== undefined &&
    ranges.some((r) => r.family === parsed.family && r.first <= parsed.value && parsed.value <= r.last)
  );
}

/** IPv4 pool addresses a client on a /24 can reach (not the network's .0 nor its broadcast .255). */
export function usableIPv4(ranges: readonly AddressRange[]): string[] {
  const out: string[] = [];
  for (const r of ranges.filter((x) => x.family === 4)) {
    for (let v = r.first; v <= r.last && out.length < 1024; v++) {
      if ((v & 0xffn) !== 0n && (v & 0xffn) !== 0xffn) out.push(formatIP({ family: 4, value: v }));
    }
  }
  return out;
}

export interface ServiceView {
  ips: string[];
  annotations: Record<string, string>;
  /** The nodes its ServiceL2Statuses name: where the speakers say it is announced from. */
  announcedBy: string[];
}

export interface E2ELab {
  readonly paths: LabPaths;
  readonly state: LabState;
  readonly topology: LabTopology;
  readonly kubectl: Kubectl;
  readonly pool: PoolSource;
  readonly note?: string;
  /** Runs a command in the client namespace. */
  client(command: string, ...args: string[]): Promise<RunResult>;
  service(namespace: string, name: string): Promise<ServiceView>;
  waitForIPs(namespace: string, name: string, count: number, timeoutMs?: number): Promise<string[]>;
  /** MACs (lower case) that answered `arping -c count -w deadline` for `ip`. */
  arping(ip: string, count?: number, deadlineSeconds?: number): Promise<string[]>;
  /** Polls arping until exactly `node` (and no one else) answers for `ip`. */
  waitForAnnouncer(ip: string, node: LabHost, timeoutMs?: number): Promise<void>;
  nodeByMac(mac: string): LabHost | undefined;
  curl(url: string, ...extra: string[]): Promise<HttpAnswer>;
  /** Applies (replaces) the lab EndpointSlice for a Service: one endpoint per given node. */
  setEndpoints(
    namespace: string,
    service: string,
    port: number,
    endpoints: { node: LabHost; ready: boolean }[],
  ): Promise<void>;
  logTail(lines?: number): Promise<string>;
  /** The requests of the controller's and speakers' ServiceAccounts the API server refused (403), from its log. */
  componentDenials(): Promise<ApiDenial[]>;
  /**
   * Restarts the API server and waits until it is ready. A starting kube-apiserver serves requests
   * before its RBAC caches have synced and refuses them meanwhile, as on any cluster: refusals
   * between the restart and /readyz are not the shipped RBAC's fault, and componentDenials skips them.
   */
  restartApiServer(): Promise<void>;
  down(): Promise<void>;
}

/** One `{"msg":"forbidden",…}` line of the API server's log. */
export interface ApiDenial {
  user: string;
  verb: string;
  resource: string;
  path: string;
  message: string;
}

/** The forbidden lines of an API server log whose user is one of the lab components' ServiceAccounts. */
export function componentDenialsIn(log: string, namespace: string): ApiDenial[] {
  const prefix = `system:serviceaccount:${namespace}:`;
  return log.split('\n').flatMap((line) => {
    if (!line.includes('"forbidden"')) return [];
    try {
      const entry = JSON.parse(line) as Partial<ApiDenial> & { msg?: string };
      return entry.msg === 'forbidden' && entry.user?.startsWith(prefix) ? [entry as ApiDenial] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The lab's last check: the controller and the speakers ran with their ServiceAccount kubeconfigs,
 * and the API server refused none of their requests, so the shipped RBAC was enough for everything
 * the tests before made them do. Then it shows the check has teeth: a request the RBAC does not
 * grant, made with the controller's kubeconfig, is refused and lands in the same log.
 */
export async function assertComponentsWithinRbac(lab: E2ELab): Promise<void> {
  const { controller, speaker } = lab.state.serviceAccountKubeconfigs ?? {};
  assert.ok(controller && speaker, 'the state file names the ServiceAccount kubeconfigs');
  for (const file of [controller, speaker]) {
    assert.equal((await stat(file)).mode & 0o777, 0o600, `${file} holds a token: only root may read it`);
  }
  for (const p of lab.state.processes) {
    const own = p.name === 'controller' ? controller : p.name.startsWith('speaker-') ? speaker : undefined;
    if (!own) continue;
    const cmdline = (await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (cmdline.length > 1) assert.ok(cmdline.includes(own), `${p.name} runs with --kubeconfig ${own}`);
  }
  assert.deepEqual(await lab.componentDenials(), [], 'the API server refused the components nothing');
  const secrets = await listSecretsAs(lab, controller);
  assert.equal(secrets.status, 403, 'the controller may not read Secrets');
  assert.match(
    secrets.message,
    /^secrets is forbidden: User "system:serviceaccount:baremetal-lb-system:controller" cannot list resource "secrets"/,
  );
  const logged = await waitUntil('the refusal in the API server log', 5000, async () => {
    const found = (await lab.componentDenials()).filter((d) => d.resource === 'secrets');
    return { ...(found.length ? { value: found } : {}), seen: `${found.length} lines` };
  });
  assert.equal(logged[0]!.verb, 'list');
}

/**
 * Lists Secrets with the token in `kubeconfig`. Over the real server's TLS kubectl sends the token; to
 * the embedded server's plain HTTP it sends none (and would act as the admin), so there the request
 * carries the token itself.
 */
async function listSecretsAs(lab: E2ELab, kubeconfig: string): Promise<{ status: number; message: string }> {
  if (backend === 'real') {
    const args = ['--kubeconfig', kubeconfig, 'get', 'secrets', '-n', systemNamespace];
    const result = await runCommand(lab.state.kubectl ?? 'kubectl', args);
    const refused = /Error from server \(Forbidden\): (.*)/.exec(result.stderr);
    return { status: refused ? 403 : result.code, message: refused?.[1] ?? result.stderr };
  }
  const token = (parseYaml(await readFile(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] })
    .users[0]!.user.token;
  const res = await fetch(`${lab.state.apiserver.url}/api/v1/namespaces/${systemNamespace}/secrets`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, message: ((await res.json()) as { message: string }).message };
}

export interface HttpAnswer {
  ok: boolean;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** `node` from the echo backend's JSON body. */
  node?: string;
  error?: string;
}

export function parseCurlInclude(out: string): Omit<HttpAnswer, 'ok' | 'error'> {
  const split = out.indexOf('\r\n\r\n');
  const head = split >= 0 ? out.slice(0, split) : out;
  const body = split >= 0 ? out.slice(split + 4) : '';
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let node: string | undefined;
  try {
    node = (JSON.parse(body) as { node?: string }).node;
  } catch {
    node = undefined;
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, ...(node ? { node } : {}) };
}

export function parseArpingMacs(out: string): string[] {
  const macs = [...out.matchAll(/reply from \S+ \[([0-9A-Fa-f:]{17})\]/g)].map((m) => m[1]!.toLowerCase());
  return [...new Set(macs)].sort();
}

export function parseNdiscMac(out: string): string | undefined {
  return /Target link-layer address: ([0-9A-Fa-f:]{17})/.exec(out)?.[1]?.toLowerCase();
}

export async function startLab(
  tag: string,
  nodes: number,
  options: { install?: InstallMethod; lb?: LoadBalancerName } = {},
): Promise<E2ELab> {
  const prefix = `e2e${tag}${process.pid}`.slice(0, 16);
  const dir = await mkdtemp(join(tmpdir(), `blb-e2e-${tag}-`));
  const paths = labPaths(join(dir, 'lab'));
  const manifests = await chooseManifests();
  const topology = planTopology(prefix, nodes);
  const logTail = async (lines = 40): Promise<string> => {
    const files = await readdir(paths.logs).catch(() => [] as string[]);
    const parts: string[] = [];
    for (const f of files.sort()) {
      const text = await readFile(join(paths.logs, f), 'utf8').catch(() => '');
      parts.push(
        `----- ${f} (last ${lines} lines)\n${text
          .split('\n')
          .slice(-lines - 1)
          .join('\n')}`,
      );
    }
    return parts.join('\n');
  };
  const down = async () => {
    await labDown(paths, prefix);
    await rm(dir, { recursive: true, force: true });
  };
  let state: LabState;
  try {
    state = await labUp({
      paths,
      prefix,
      nodes,
      repoRoot,
      kube: backend,
      ...(options.install ? { install: options.install } : {}),
      ...(options.lb ? { lb: options.lb } : {}),
      // A peer brings its own CRDs and pools (MetalLB's hold the same addresses as ours).
      manifests:
        (options.lb ?? 'baremetal-lb') === 'baremetal-lb'
          ? {
              crds: manifests.crds,
              poolConfig: manifests.poolConfig,
              ingressService: manifests.ingressService,
            }
          : { ingressService: manifests.ingressService },
    });
  } catch (error) {
    process.stderr.write(`lab up failed: ${(error as Error).message}\n${await logTail()}\n`);
    await down();
    throw error;
  }
  const kubectl = kubectlFor(state.kubeconfig, paths.dir, state.kubectl);
  const startups: { from: number; to: number }[] = [];
  const pool = await readPoolSource(manifests.poolConfig);
  const client = (command: string, ...args: string[]) =>
    runCommand('ip', ['netns', 'exec', state.client.netns, command, ...args]);
  const nodeByMac = (mac: string) => topology.nodes.find((n) => n.mac === mac.toLowerCase());
  const service = async (namespace: string, name: string): Promise<ServiceView> => {
    const svc = JSON.parse(await kubectl('get', 'svc', '-n', namespace, name, '-o', 'json'));
    const selector = `metallb.io/service-name=${name},metallb.io/service-namespace=${namespace}`;
    const statuses = JSON.parse(
      await kubectl('get', 'servicel2statuses', '-A', '-l', selector, '-o', 'json'),
    );
    return {
      ips: (svc.status?.loadBalancer?.ingress ?? []).map((i: { ip?: string }) => i.ip).filter(Boolean),
      annotations: svc.metadata?.annotations ?? {},
      announcedBy: (statuses.items as { status?: { node?: string } }[]).flatMap((o) =>
        o.status?.node ? [o.status.node] : [],
      ),
    };
  };
  const arping = async (ip: string, count = 3, deadlineSeconds = 5) => {
    const r = await client(
      'arping',
      '-c',
      String(count),
      '-w',
      String(deadlineSeconds),
      '-I',
      state.client.interface,
      ip,
    );
    return parseArpingMacs(r.stdout);
  };
  const lab: E2ELab = {
    paths,
    state,
    topology,
    kubectl,
    pool,
    ...(manifests.notes.length ? { note: manifests.notes.join('; ') } : {}),
    client,
    service,
    waitForIPs: (namespace, name, count, timeoutMs = 20_000) =>
      waitUntil(`${namespace}/${name} to have ${count} external IP(s)`, timeoutMs, async () => {
        const { ips } = await service(namespace, name);
        return { ...(ips.length >= count ? { value: ips } : {}), seen: `ips [${ips.join(', ')}]` };
      }),
    arping,
    waitForAnnouncer: (ip, node, timeoutMs = 15_000) =>
      waitUntil(`only ${node.name} (${node.mac}) to answer ARP for ${ip}`, timeoutMs, async () => {
        // Two requests: a second answerer (e.g. the old announcer not yet withdrawn) shows up too.
        const macs = await arping(ip, 2, 2);
        const only = macs.length === 1 && macs[0] === node.mac;
        return { ...(only ? { value: true } : {}), seen: `MACs [${macs.join(', ')}]` };
      }).then(() => undefined),
    nodeByMac,
    curl: async (url, ...extra) => {
      const r = await client('curl', '-sS', '-i', '--connect-timeout', '2', '-m', '4', ...extra, url);
      if (r.code !== 0) return { ok: false, status: 0, headers: {}, body: '', error: r.stderr.trim() };
      const parsed = parseCurlInclude(r.stdout);
      return { ok: parsed.status === 200, ...parsed };
    },
    setEndpoints: async (namespace, svc, port, endpoints) => {
      const slice = endpointSliceObject({
        namespace,
        service: svc,
        family: 4,
        ports: [{ name: 'http', port }],
        endpoints,
      });
      // Replaced whole (not applied as a patch): the endpoint list must be exactly the given one.
      const file = join(paths.dir, `${slice.metadata.name}.yaml`);
      await writeFile(file, toYaml(slice));
      const exists = await kubectl(
        'get',
        'endpointslice',
        '-n',
        namespace,
        slice.metadata.name,
        '--ignore-not-found',
        '-o',
        'name',
      );
      await kubectl(exists.trim() ? 'replace' : 'create', '-f', file);
    },
    logTail,
    componentDenials: async () =>
      backend === 'real'
        ? auditDenials(
            await readFile(join(paths.logs, 'kube-apiserver-audit.log'), 'utf8').catch(() => ''),
          ).filter((d) => !startups.some((s) => s.from <= d.receivedAtMs && d.receivedAtMs <= s.to))
        : componentDenialsIn(await readFile(join(paths.logs, 'apiserver.log'), 'utf8'), systemNamespace),
    async restartApiServer() {
      const from = Date.now();
      await restartComponent(paths, apiServerProcessName(state.kube));
      await waitUntil('the restarted API server to be ready', 60_000, async () => {
        const ready = (await kubectl('get', '--raw=/readyz')).trim() === 'ok';
        return { ...(ready ? { value: true } : {}), seen: 'not ready' };
      });
      startups.push({ from, to: Date.now() });
    },
    down,
  };
  return lab;
}

/**
 * `test` for a file's lab: the lab's note once, and the lab's logs when a test fails, so the
 * failure explains itself. `getLab` is read when the test runs (the lab is made in `before`).
 */
export function labTestFor(
  getLab: () => E2ELab,
): (name: string, fn: (t: TestContext) => Promise<void>) => void {
  let noted = false;
  return (name, fn) =>
    test(name, async (t) => {
      const lab = getLab();
      if (lab.note && !noted) t.diagnostic(lab.note);
      noted = true;
      try {
        await fn(t);
      } catch (error) {
        process.stderr.write(`\n"${name}" failed; the lab's logs:\n${await lab.logTail()}\n`);
        throw error;
      }
    });
}
