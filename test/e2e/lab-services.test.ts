// The user's whole workflow against one lab: kubectl shows the VIP, one node answers ARP/NDP for
// it, curl reaches that node's ingress, and the Service features (shared IPs, Local traffic
// policy, pool removal, restarts) behave as in MetalLB. Destructive tests run last.
import assert from 'node:assert/strict';
import { after, before, type TestContext } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { restartComponent } from '../../lab/restart-component.ts';
import {
  assertComponentsWithinRbac,
  type E2ELab,
  inRanges,
  labTestFor,
  parseNdiscMac,
  startLab,
  usableIPv4,
  waitUntil,
} from './lab-harness.ts';

let lab: E2ELab;
const ns = 'ingress-nginx';
const ingressName = 'ingress-nginx-controller';

before(async () => {
  lab = await startLab('s', 3);
});

after(async () => {
  await lab?.down();
});

const labTest = labTestFor(() => lab);

async function ingressIPs(): Promise<{ v4: string; v6: string }> {
  const ips = await lab.waitForIPs(ns, ingressName, 2);
  const v4 = ips.find((ip) => !ip.includes(':'));
  const v6 = ips.find((ip) => ip.includes(':'));
  assert.ok(v4 && v6, `the dual-stack ingress Service should have an IPv4 and an IPv6 address, has ${ips}`);
  return { v4, v6 };
}

/** The node answering ARP for `ip`: exactly one MAC must answer, and it must be a lab node's. */
async function announcer(t: TestContext, ip: string, service?: { namespace: string; name: string }) {
  const macs = await lab.arping(ip);
  assert.equal(macs.length, 1, `exactly one MAC should answer ARP for ${ip}, got [${macs.join(', ')}]`);
  const node = lab.nodeByMac(macs[0]!);
  assert.ok(node, `${macs[0]} answered for ${ip} but is no lab node's MAC`);
  if (service) {
    const { announcedBy } = await lab.service(service.namespace, service.name);
    t.diagnostic(
      `${ip}: arping says ${node.name}; ServiceL2Status says ${announcedBy.join(', ') || '(none yet)'}`,
    );
    if (announcedBy.length > 0) {
      assert.deepEqual(
        announcedBy,
        [node.name],
        `ServiceL2Status and the ARP answer disagree on who announces ${ip}`,
      );
    }
  }
  return node;
}

async function allAssignments(): Promise<Record<string, string[]>> {
  const list = JSON.parse(await lab.kubectl('get', 'svc', '-A', '-o', 'json')) as {
    items: {
      metadata: { namespace: string; name: string };
      status?: { loadBalancer?: { ingress?: { ip: string }[] } };
    }[];
  };
  const out: Record<string, string[]> = {};
  for (const s of list.items) {
    const ips = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
    if (ips.length) out[`${s.metadata.namespace}/${s.metadata.name}`] = ips.sort();
  }
  return out;
}

async function freeIPv4(): Promise<string[]> {
  const taken = new Set(Object.values(await allAssignments()).flat());
  return usableIPv4(lab.pool.ranges).filter((ip) => !taken.has(ip));
}

function loadBalancer(
  name: string,
  port: number,
  extra: { annotations?: Record<string, string>; spec?: object } = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      type: 'LoadBalancer',
      ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }],
      ...extra.spec,
    },
  };
}

labTest('1. kubectl get svc shows the ingress EXTERNAL-IP, taken from the pool', async () => {
  const { v4, v6 } = await ingressIPs();
  const table = await lab.kubectl('get', 'svc', '-n', ns);
  const row = table.split('\n').find((line) => line.startsWith(`${ingressName} `));
  assert.ok(row, `kubectl get svc lists ${ingressName}:\n${table}`);
  assert.match(
    row,
    new RegExp(`\\b${v4.replaceAll('.', '\\.')}\\b`),
    `EXTERNAL-IP column shows ${v4}:\n${table}`,
  );
  assert.ok(inRanges(v4, lab.pool.ranges), `${v4} is inside pool ${lab.pool.poolName}`);
  assert.ok(inRanges(v6, lab.pool.ranges), `${v6} is inside pool ${lab.pool.poolName}`);
  assert.equal(lab.state.ingress.ipv4, v4);
});

labTest(
  '2. one node, the elected one, answers ARP for the VIP; a free pool address gets no answer',
  async (t) => {
    const { v4 } = await ingressIPs();
    const leader = await announcer(t, v4, { namespace: ns, name: ingressName });
    t.diagnostic(`${v4} is announced by ${leader.name} (${leader.mac})`);
    const free = (await freeIPv4()).at(-1);
    assert.ok(free, 'the pool has a free IPv4 address');
    assert.deepEqual(await lab.arping(free, 2, 2), [], `nobody answers ARP for the unassigned ${free}`);
  },
);

labTest('3. curl through the VIP reaches nginx and the echo backend on the announcing node', async (t) => {
  const { v4 } = await ingressIPs();
  const leader = await announcer(t, v4);
  const answer = await lab.curl(`http://${v4}/hello`);
  assert.ok(answer.ok, `curl http://${v4}/hello: ${answer.error ?? answer.status}`);
  assert.equal(
    answer.node,
    leader.name,
    `the echo backend answering is the announcing node's: ${answer.body}`,
  );
  assert.equal(answer.headers['x-ingress-node'], leader.name, 'nginx on the announcing node proxied it');
});

labTest('7. IPv6: NDP resolves the IPv6 VIP to a node, and curl -6 reaches that node', async (t) => {
  const { v6 } = await ingressIPs();
  const r = await lab.client('ndisc6', '-1', '-r', '3', '-w', '1000', v6, lab.state.client.interface);
  const mac = parseNdiscMac(r.stdout);
  assert.ok(mac, `ndisc6 ${v6} resolved it (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  const node = lab.nodeByMac(mac);
  assert.ok(node, `${mac} answered NDP for ${v6} but is no lab node's MAC`);
  t.diagnostic(`${v6} is announced by ${node.name} (${mac})`);
  const answer = await lab.curl(`http://[${v6}]/`, '-6', '-g');
  assert.ok(answer.ok, `curl -6 http://[${v6}]/: ${answer.error ?? answer.status}`);
  assert.equal(answer.node, node.name, 'served by the node NDP named');
  assert.equal(answer.headers['x-ingress-node'], node.name);
});

labTest(
  '8. two Services sharing one IP (allow-shared-ip, different ports) both answer through it',
  async (t) => {
    const ip = (await freeIPv4()).at(-2);
    assert.ok(ip, 'the pool has a free IPv4 address to share');
    const sharing = { 'metallb.io/allow-shared-ip': 'e2e-share', 'metallb.io/loadBalancerIPs': ip };
    // Port 80 lands on each node's nginx; port 8080 on the echo backend itself, which listens on all
    // of the node's addresses (the VIP is bound on its lo): two different listeners behind one IP.
    await lab.kubectl.apply([
      loadBalancer('e2e-shared-http', 80, { annotations: sharing }),
      loadBalancer('e2e-shared-echo', 8080, { annotations: sharing }),
    ]);
    const all = lab.topology.nodes.map((node) => ({ node, ready: true }));
    await lab.setEndpoints(ns, 'e2e-shared-http', 80, all);
    await lab.setEndpoints(ns, 'e2e-shared-echo', 8080, all);
    assert.deepEqual(await lab.waitForIPs(ns, 'e2e-shared-http', 1), [ip]);
    assert.deepEqual(await lab.waitForIPs(ns, 'e2e-shared-echo', 1), [ip]);
    const node = await waitUntil(`a node to answer ARP for the shared ${ip}`, 15_000, async () => {
      const macs = await lab.arping(ip, 1, 1);
      return { ...(macs.length ? { value: true } : {}), seen: `MACs [${macs.join(', ')}]` };
    }).then(() => announcer(t, ip));
    const http = await lab.curl(`http://${ip}/`);
    assert.ok(http.ok, `curl http://${ip}/: ${http.error ?? http.status}`);
    assert.equal(
      http.headers['x-ingress-node'],
      node.name,
      'port 80 is served by nginx on the announcing node',
    );
    const echo = await lab.curl(`http://${ip}:8080/`);
    assert.ok(echo.ok, `curl http://${ip}:8080/: ${echo.error ?? echo.status}`);
    assert.equal(echo.node, node.name, 'port 8080 is served by the echo backend on the announcing node');
    assert.equal(echo.headers['x-ingress-node'], undefined, 'port 8080 bypasses nginx');
  },
);

labTest(
  '6. externalTrafficPolicy Local: only the node with a ready endpoint announces, and it follows the endpoint',
  async (t) => {
    const [nodeX, nodeY] = [lab.topology.nodes[1]!, lab.topology.nodes[2]!];
    await lab.kubectl.apply([loadBalancer('e2e-local', 80, { spec: { externalTrafficPolicy: 'Local' } })]);
    await lab.setEndpoints(ns, 'e2e-local', 80, [
      { node: nodeX, ready: true },
      { node: nodeY, ready: false },
    ]);
    const [ip] = await lab.waitForIPs(ns, 'e2e-local', 1);
    await lab.waitForAnnouncer(ip!, nodeX);
    assert.equal((await announcer(t, ip!, { namespace: ns, name: 'e2e-local' })).name, nodeX.name);
    await lab.setEndpoints(ns, 'e2e-local', 80, [
      { node: nodeX, ready: false },
      { node: nodeY, ready: true },
    ]);
    await lab.waitForAnnouncer(ip!, nodeY);
    assert.equal((await announcer(t, ip!, { namespace: ns, name: 'e2e-local' })).name, nodeY.name);
  },
);

labTest(
  '9. removing a pool in use is refused (ConfigRefused, the IP stays); once its Service is gone it goes through',
  async () => {
    const { namespace, name } = lab.pool.configMap;
    const original = JSON.parse(
      await lab.kubectl('get', 'configmap', '-n', namespace, name, '-o', 'json'),
    ) as {
      data: { config: string };
    };
    const configMap = (config: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace },
      data: { config },
    });
    const parsed = parseYaml(original.data.config) as { 'address-pools': unknown[] };
    const extraPool = { name: 'e2e-extra', protocol: 'layer2', addresses: ['203.0.113.0/29'] };
    const withExtra = toYaml({ ...parsed, 'address-pools': [...parsed['address-pools'], extraPool] });
    const ingressBefore = (await lab.service(ns, ingressName)).ips;
    const fromExtra = (service: string) =>
      loadBalancer(service, 80, { annotations: { 'metallb.io/address-pool': 'e2e-extra' } });

    await lab.kubectl.apply([configMap(withExtra)]);
    await lab.kubectl.apply([fromExtra('e2e-pooled')]);
    const [first] = await lab.waitForIPs(ns, 'e2e-pooled', 1);
    assert.match(first!, /^203\.0\.113\.[0-7]$/, 'the Service got its IP from the e2e-extra pool');

    await lab.kubectl.apply([configMap(original.data.config)]);
    await waitUntil('a ConfigRefused Warning in kubectl describe svc', 20_000, async () => {
      const text = await lab.kubectl('describe', 'svc', '-n', ns, 'e2e-pooled');
      return { ...(text.includes('ConfigRefused') ? { value: true } : {}), seen: text };
    });
    assert.deepEqual((await lab.service(ns, 'e2e-pooled')).ips, [first], 'the address stays');

    // Retiring the pool on purpose: its Service goes first, then the edit goes through by itself.
    await lab.kubectl('delete', 'svc', '-n', ns, 'e2e-pooled');
    await lab.kubectl.apply([fromExtra('e2e-pool-gone')]);
    await waitUntil('the pool to be gone for a new Service', 20_000, async () => {
      const text = await lab.kubectl('describe', 'svc', '-n', ns, 'e2e-pool-gone');
      return {
        ...(/AllocationFailed.*"e2e-extra" does not exist/.test(text) ? { value: true } : {}),
        seen: text,
      };
    });

    await lab.kubectl.apply([configMap(withExtra)]);
    const [again] = await lab.waitForIPs(ns, 'e2e-pool-gone', 1);
    assert.match(
      again!,
      /^203\.0\.113\.[0-7]$/,
      'restoring the pool gives the waiting Service an IP from it',
    );
    assert.deepEqual(
      (await lab.service(ns, ingressName)).ips,
      ingressBefore,
      'the other pool was not disturbed',
    );
  },
);

labTest('10. restarting the controller and the API server changes no assigned IP', async (t) => {
  const before = await allAssignments();
  t.diagnostic(`assignments before: ${JSON.stringify(before)}`);
  await restartComponent(lab.paths, 'controller');
  // A new Service getting its IP shows the restarted controller has synced.
  await lab.kubectl.apply([loadBalancer('e2e-after-controller-restart', 80)]);
  await lab.waitForIPs(ns, 'e2e-after-controller-restart', 1, 30_000);
  const afterController = await allAssignments();
  delete afterController[`${ns}/e2e-after-controller-restart`];
  assert.deepEqual(afterController, before, 'a controller restart keeps every assignment');

  await lab.restartApiServer();
  await lab.kubectl.apply([loadBalancer('e2e-after-apiserver-restart', 80)]);
  await lab.waitForIPs(ns, 'e2e-after-apiserver-restart', 1, 30_000);
  const afterApiserver = await allAssignments();
  delete afterApiserver[`${ns}/e2e-after-apiserver-restart`];
  delete afterApiserver[`${ns}/e2e-after-controller-restart`];
  assert.deepEqual(afterApiserver, before, 'an API server restart keeps every assignment');
  const { v4 } = await ingressIPs();
  const answer = await lab.curl(`http://${v4}/`);
  assert.ok(
    answer.ok,
    `the ingress still answers through ${v4} after the restarts: ${answer.error ?? answer.status}`,
  );
});

labTest(
  'the controller and the speakers ran under their ServiceAccounts, and the shipped RBAC refused them nothing',
  () => assertComponentsWithinRbac(lab),
);
