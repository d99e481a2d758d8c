// The Helm chart installed onto the real control plane (`lab up --kube real --install helm`): helm
// reports the release deployed, the chart's DaemonSet has a Pod on every node, and the components,
// running under the chart's ServiceAccounts and RBAC, give the ingress its address and announce it.
// Only on the real backend: the embedded API server runs no DaemonSet controller to make the Pods.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemNamespace } from '../../lab/cluster-objects.ts';
import { releaseName } from '../../lab/helm-install.ts';
import { ensureHelm } from '../../lab/kube/build.ts';
import { backend } from '../kube-cluster.ts';
import { type E2ELab, labTestFor, runCommand, startLab, waitUntil } from './lab-harness.ts';

const skip =
  backend === 'real'
    ? false
    : 'needs the real control plane (BLB_KUBE=real): the DaemonSet controller makes the speaker Pods';
let lab: E2ELab;

before(async () => {
  if (!skip) lab = await startLab('h', 2, { install: 'helm' });
});

after(async () => {
  await lab?.down();
});

const labTest: ReturnType<typeof labTestFor> = skip
  ? (name) => test(name, { skip }, () => undefined)
  : labTestFor(() => lab);

labTest('helm installs the chart and lists the release as deployed', async () => {
  const helm = await ensureHelm({ log: () => undefined });
  const r = await runCommand(helm, [
    'list',
    '-n',
    systemNamespace,
    '--kubeconfig',
    lab.state.kubeconfig,
    '-o',
    'json',
  ]);
  const releases = JSON.parse(r.stdout) as { name: string; status: string; chart: string }[];
  assert.deepEqual(
    releases.map((x) => [x.name, x.status]),
    [[releaseName, 'deployed']],
  );
});

labTest("the chart's DaemonSet has a ready speaker Pod on every node", async () => {
  const ds = JSON.parse(
    await lab.kubectl('get', 'daemonset', 'speaker', '-n', systemNamespace, '-o', 'json'),
  );
  assert.equal(ds.status.desiredNumberScheduled, 2);
  const pods = JSON.parse(
    await lab.kubectl('get', 'pods', '-n', systemNamespace, '-l', 'component=speaker', '-o', 'json'),
  );
  const nodes = pods.items.map((p: { spec: { nodeName: string } }) => p.spec.nodeName).sort();
  assert.deepEqual(nodes, lab.topology.nodes.map((n) => n.name).sort());
});

labTest(
  'the components work under the chart: the ingress VIP is assigned, announced and reachable',
  async () => {
    const vip = lab.state.ingress.ipv4;
    assert.ok(vip, 'the ingress Service got an IPv4 address');
    const macs = await waitUntil(`one node to answer ARP for ${vip}`, 15_000, async () => {
      const found = await lab.arping(vip);
      return { ...(found.length === 1 ? { value: found } : {}), seen: `[${found.join(', ')}]` };
    });
    const node = lab.nodeByMac(macs[0]!);
    assert.ok(node, `${macs[0]} is a lab node`);
    const answer = await lab.curl(`http://${vip}/`);
    assert.equal(answer.headers['x-ingress-node'], node.name);
    assert.deepEqual(await lab.componentDenials(), [], 'the chart RBAC refused the components nothing');
  },
);
