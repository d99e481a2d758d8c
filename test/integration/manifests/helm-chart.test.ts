// The Helm chart, checked with the real helm v4 (built from Go modules, like the control plane):
// it lints, its defaults render the very workloads, RBAC and CRDs that manifests/ ships (so the two
// installs cannot drift apart), and its values, named like MetalLB's chart, reach the objects.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../../../lab/kube/build.ts';
import { baseDocuments, findObject, type KubeObject, repoRoot } from '../../unit/manifests/manifest-files.ts';

const execFileAsync = promisify(execFile);
const chart = path.join(repoRoot, 'charts', 'baremetal-lb');
let helm = '';

before(async () => {
  helm = await ensureHelm({ log: () => undefined });
});

async function run(...args: string[]): Promise<string> {
  try {
    return (await execFileAsync(helm, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    throw new Error(`helm ${args.join(' ')}: ${(error as { stderr?: string }).stderr ?? error}`);
  }
}

async function render(...sets: string[]): Promise<KubeObject[]> {
  const args = ['template', 'baremetal-lb', chart, '--namespace', 'baremetal-lb-system', '--include-crds'];
  const text = await run(...args, ...sets.flatMap((s) => ['--set', s]));
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

const find = (objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name);

const allFeatures = [
  'prometheus.podMonitor.enabled=true',
  'prometheus.serviceMonitor.enabled=true',
  'prometheus.prometheusRule.enabled=true',
];

test('helm lint passes, with the defaults and with every optional object on', async () => {
  assert.match(await run('lint', chart), /1 chart\(s\) linted, 0 chart\(s\) failed/);
  assert.match(await run('lint', chart, ...allFeatures.flatMap((s) => ['--set', s])), /0 chart\(s\) failed/);
});

test('the defaults render the Deployment and DaemonSet of manifests/, Pod for Pod', async () => {
  const rendered = await render();
  const shipped = baseDocuments();
  for (const [kind, name] of [
    ['Deployment', 'controller'],
    ['DaemonSet', 'speaker'],
  ] as const) {
    const fromChart = find(rendered, kind, name);
    assert.ok(fromChart, `the chart renders ${kind} ${name}`);
    const fromManifests = findObject(shipped, kind, name);
    assert.deepEqual(
      fromChart.spec.template.spec,
      fromManifests.spec.template.spec,
      `${kind} ${name} Pod spec`,
    );
    assert.deepEqual(
      fromChart.spec.template.metadata.annotations,
      fromManifests.spec.template.metadata.annotations,
    );
    assert.deepEqual(fromChart.spec.selector, fromManifests.spec.selector);
  }
});

test('the RBAC, the CRDs and the webhook are those of manifests/, in the release namespace', async () => {
  const rendered = await render();
  const kinds = new Set([
    'Service',
    'ValidatingWebhookConfiguration',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
    'CustomResourceDefinition',
  ]);
  const shipped = baseDocuments()
    .map((d) => d.object)
    .filter((o) => kinds.has(o.kind));
  for (const object of shipped) {
    const fromChart = find(rendered, object.kind, object.metadata.name);
    assert.deepEqual(fromChart, object, `${object.kind} ${object.metadata.name}`);
  }
  const other = await render('rbac.create=false');
  assert.ok(!other.some((o) => o.kind === 'Role'), 'rbac.create=false leaves the RBAC out');
});

test('MetalLB-named values reach the objects', async () => {
  const rendered = await render(
    'speaker.logLevel=debug',
    'controller.logLevel=warn',
    'loadBalancerClass=example.com/lb',
    'speaker.memberlist.enabled=false',
    'speaker.nodeSelector.edge=yes',
    'controller.tolerations[0].key=dedicated',
    'controller.tolerations[0].operator=Exists',
    'speaker.resources.limits.memory=300Mi',
    'prometheus.scrapeAnnotations=false',
  );
  const speaker = find(rendered, 'DaemonSet', 'speaker')!.spec.template;
  const controller = find(rendered, 'Deployment', 'controller')!.spec.template;
  const args = (pod: KubeObject) => pod.spec.containers[0].args as string[];
  assert.ok(args(speaker).includes('--log-level=debug'));
  assert.ok(args(controller).includes('--log-level=warn'));
  for (const pod of [speaker, controller]) assert.ok(args(pod).includes('--lb-class=example.com/lb'));
  assert.ok(args(speaker).includes('--no-failure-detector'));
  assert.ok(
    !speaker.spec.containers[0].env.some((e: KubeObject) => e.name === 'BAREMETAL_LB_MEMBERLIST_SECRET'),
  );
  assert.deepEqual(speaker.spec.nodeSelector, { 'kubernetes.io/os': 'linux', edge: 'yes' });
  assert.deepEqual(controller.spec.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
  assert.equal(speaker.spec.containers[0].resources.limits.memory, '300Mi');
  assert.equal(speaker.metadata.annotations, undefined);
  const fast = find(await render('speaker.memberlist.timing=fast'), 'DaemonSet', 'speaker')!.spec.template;
  assert.ok(args(fast).includes('--timing=fast'));
  assert.ok(!args(speaker).some((a) => a.startsWith('--timing')), 'the default timing adds no flag');
});

test('monitoring: PodMonitors, ServiceMonitors with their Services, and alert rules on MetalLB metric names', async () => {
  const rendered = await render(...allFeatures);
  const kinds = rendered.map((o) => `${o.kind}/${o.metadata.name}`);
  for (const expected of [
    'PodMonitor/controller',
    'PodMonitor/speaker',
    'ServiceMonitor/controller',
    'ServiceMonitor/speaker',
    'Service/speaker-monitor-service',
    'PrometheusRule/baremetal-lb',
  ]) {
    assert.ok(kinds.includes(expected), `renders ${expected}`);
  }
  const rules = find(rendered, 'PrometheusRule', 'baremetal-lb')!.spec.groups[0].rules as KubeObject[];
  assert.ok(rules.some((r) => r.expr === 'metallb_k8s_client_config_stale_bool == 1'));
  assert.deepEqual(
    rules.filter((r) => r.alert.startsWith('BaremetalLBAddressPoolUsage')).map((r) => r.alert),
    [
      'BaremetalLBAddressPoolUsage75Percent',
      'BaremetalLBAddressPoolUsage85Percent',
      'BaremetalLBAddressPoolUsage95Percent',
    ],
  );
  assert.ok(!(await render()).some((o) => o.kind === 'PrometheusRule'), 'off by default');
});

test('webhook.enabled=false leaves out the webhook, its Service and the controller flag', async () => {
  const rendered = await render('webhook.enabled=false');
  assert.ok(
    !rendered.some(
      (o) =>
        o.kind === 'ValidatingWebhookConfiguration' || o.metadata?.name === 'baremetal-lb-webhook-service',
    ),
  );
  const args = find(rendered, 'Deployment', 'controller')!.spec.template.spec.containers[0].args as string[];
  assert.ok(!args.some((a) => a.startsWith('--webhook-addr')));
});
