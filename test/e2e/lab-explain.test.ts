// `baremetal-lb explain` against a lab, driven with kubectl as a user would: it names the node that
// announces (the one arping finds) and, for every other node, the reason the speakers act on: an
// exclusion label, no local endpoint under externalTrafficPolicy Local, no L2Advertisement selecting
// the node, a dead speaker.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Explanation } from '../../explain/explain-service.ts';
import { excludeFromLoadBalancersLabel } from '../../speaker/election/eligibility.ts';
import { type E2ELab, labTestFor, repoRoot, runCommand, startLab, waitUntil } from './lab-harness.ts';

let lab: E2ELab;
const ns = 'ingress-nginx';
const systemNamespace = 'baremetal-lb-system';

before(async () => {
  lab = await startLab('x', 3);
});

after(async () => {
  await lab?.down();
});

const labTest = labTestFor(() => lab);

async function explain(...target: string[]): Promise<Explanation> {
  const args = ['explain', ...target, '--kubeconfig', lab.state.kubeconfig, '--json'];
  const r = await runCommand(join(repoRoot, 'bin', 'baremetal-lb'), args);
  assert.equal(r.code, 0, `explain ${target.join(' ')} failed: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as Explanation | Explanation[];
  return Array.isArray(parsed) ? parsed[0]! : parsed;
}

/** Polls explain until `check` holds: the speakers and the Leases it reads settle a moment after a change. */
async function explainUntil(
  what: string,
  target: string[],
  check: (x: Explanation) => boolean,
  timeoutMs = 20_000,
) {
  return waitUntil(what, timeoutMs, async () => {
    const x = await explain(...target);
    return { ...(check(x) ? { value: x } : {}), seen: JSON.stringify(x.announcement) };
  });
}

const reasonOf = (x: Explanation, node: string) =>
  x.announcement.nodes.find((n) => n.node === node)?.reason ?? '';

function loadBalancer(name: string, spec: object = {}, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, annotations },
    spec: {
      type: 'LoadBalancer',
      ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }],
      ...spec,
    },
  };
}

labTest('explain service and explain ip name the node arping finds, and rank the others', async () => {
  const vip = lab.state.ingress.ipv4!;
  const x = await explainUntil('an announcing node', ['service', `${ns}/ingress-nginx-controller`], (e) =>
    Boolean(e.announcement.announcingNode),
  );
  const [mac] = await lab.arping(vip);
  assert.equal(x.announcement.announcingNode, lab.nodeByMac(mac ?? '')?.name, 'explain and arping agree');
  assert.equal(x.announcement.expectedNode, x.announcement.announcingNode);
  assert.equal(x.allocation.pool, lab.pool.poolName);
  assert.deepEqual(x.announcement.interfaces, [lab.state.nodes[0]!.interface]);
  for (const n of x.announcement.nodes.filter((node) => !node.announcing))
    assert.match(n.reason, /ranks \d of 3/);
  assert.ok(
    x.events.some((e) => e.reason === 'nodeAssigned'),
    'the recent Events are listed',
  );
  const byIp = await explain('ip', vip);
  assert.equal(byIp.service, `${ns}/ingress-nginx-controller`);
});

labTest('a node labelled exclude-from-external-load-balancers is named with that reason', async () => {
  const target = ['service', `${ns}/ingress-nginx-controller`];
  const before = (await explain(...target)).announcement.announcingNode!;
  await lab.kubectl('label', 'node', before, `${excludeFromLoadBalancersLabel}=`);
  try {
    const x = await explainUntil('the announcement to move off the labelled node', target, (e) =>
      Boolean(e.announcement.announcingNode && e.announcement.announcingNode !== before),
    );
    assert.equal(reasonOf(x, before), `labelled ${excludeFromLoadBalancersLabel}`);
    // The node that stopped says why, so its old nodeAssigned is not the last word.
    await waitUntil('a nodeUnassigned Event naming the label', 15_000, async () => {
      const text = await lab.kubectl('describe', 'svc', '-n', ns, 'ingress-nginx-controller');
      const found = new RegExp(`nodeUnassigned.*no longer announcing from node "${before}": labelled`).test(
        text,
      );
      return { ...(found ? { value: true } : {}), seen: text };
    });
  } finally {
    await lab.kubectl('label', 'node', before, `${excludeFromLoadBalancersLabel}-`);
  }
});

labTest('externalTrafficPolicy Local: the nodes without a local endpoint say so', async () => {
  const [withEndpoint, without] = [lab.topology.nodes[0]!, lab.topology.nodes[1]!];
  await lab.kubectl.apply([loadBalancer('explain-local', { externalTrafficPolicy: 'Local' })]);
  await lab.setEndpoints(ns, 'explain-local', 80, [{ node: withEndpoint, ready: true }]);
  await lab.waitForIPs(ns, 'explain-local', 1);
  const x = await explainUntil(
    `${withEndpoint.name} to announce explain-local`,
    ['service', `${ns}/explain-local`],
    (e) => e.announcement.announcingNode === withEndpoint.name,
  );
  assert.equal(reasonOf(x, without.name), 'no serving endpoint on the node (externalTrafficPolicy Local)');
  assert.ok(x.allocation.rules.includes('externalTrafficPolicy Local'));
});

labTest('a pool whose L2Advertisement selects no node: every node names the advertisement', async () => {
  await lab.kubectl.apply([
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'explain-extra', namespace: systemNamespace },
      spec: { addresses: ['198.51.100.0/29'], autoAssign: false },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'explain-extra', namespace: systemNamespace },
      spec: {
        ipAddressPools: ['explain-extra'],
        nodeSelectors: [{ matchLabels: { 'example.com/edge': 'true' } }],
      },
    },
    loadBalancer('explain-unannounced', {}, { 'metallb.io/address-pool': 'explain-extra' }),
  ]);
  const everyNode = lab.topology.nodes.map((node) => ({ node, ready: true }));
  await lab.setEndpoints(ns, 'explain-unannounced', 80, everyNode);
  const [ip] = await lab.waitForIPs(ns, 'explain-unannounced', 1);
  const x = await explainUntil(
    'every node to be ruled out',
    ['service', `${ns}/explain-unannounced`],
    (e) => e.announcement.nodes.length === 3 && e.announcement.nodes.every((n) => !n.announcing),
  );
  assert.equal(x.allocation.pool, 'explain-extra');
  assert.match(x.allocation.why.join(' '), /asks for pool "explain-extra"/);
  for (const node of x.announcement.nodes)
    assert.equal(node.reason, 'not selected by the nodeSelectors of explain-extra');
  assert.deepEqual(await lab.arping(ip!, 2, 3), [], 'and indeed no node answers ARP for it');
});

labTest('a speaker killed with kill -9 is named dead once its presence Lease expires', async () => {
  const target = ['service', `${ns}/ingress-nginx-controller`];
  const victim = lab.state.nodes.find((n) => n.name !== (lab.state.nodes[0]?.name ?? ''))!;
  // First the Lease must be seen renewed, or an expired Lease would pass this test without a kill.
  const renewTime = async () =>
    (
      await lab.kubectl(
        'get',
        'lease',
        '-n',
        systemNamespace,
        `speaker-${victim.name}`,
        '-o',
        'jsonpath={.spec.renewTime}',
      )
    ).trim();
  const first = await renewTime();
  await waitUntil(`${victim.name}'s presence Lease to be renewed`, 15_000, async () => {
    const now = await renewTime();
    return { ...(now !== first ? { value: true } : {}), seen: now };
  });
  assert.ok(
    !reasonOf(await explain(...target), victim.name).startsWith('speaker dead'),
    'alive before the kill',
  );
  process.kill(victim.speakerPid!, 'SIGKILL');
  const x = await explainUntil(
    `${victim.name}'s speaker to read as dead`,
    target,
    (e) => reasonOf(e, victim.name).startsWith('speaker dead'),
    30_000,
  );
  assert.match(reasonOf(x, victim.name), /presence Lease has not been renewed for \d/);
  assert.notEqual(x.announcement.expectedNode, victim.name);
});
