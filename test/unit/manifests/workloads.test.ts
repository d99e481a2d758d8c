// The controller Deployment and speaker DaemonSet: privileges, probes, wiring of flags and env.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { speakerSelector } from '../../../speaker/cluster-view.ts';
import { baseDocuments, findObject, type KubeObject, systemNamespace } from './manifest-files.ts';

const docs = baseDocuments();
const controller = findObject(docs, 'Deployment', 'controller');
const speaker = findObject(docs, 'DaemonSet', 'speaker');
const workloads = [
  { name: 'controller', object: controller, port: 7472 },
  { name: 'speaker', object: speaker, port: 7472 },
];

function onlyContainer(workload: KubeObject): KubeObject {
  const containers = workload.spec.template.spec.containers as KubeObject[];
  assert.equal(containers.length, 1);
  return containers[0]!;
}

function env(container: KubeObject, name: string): KubeObject | undefined {
  return (container.env as KubeObject[]).find((e) => e.name === name);
}

for (const { name, object, port } of workloads) {
  test(`${name}: selector, labels, account and image fit together`, () => {
    const pod = object.spec.template;
    assert.equal(object.metadata.namespace, systemNamespace);
    assert.deepEqual(object.spec.selector.matchLabels, { app: 'baremetal-lb', component: name });
    for (const [key, value] of Object.entries(object.spec.selector.matchLabels))
      assert.equal(pod.metadata.labels[key], value, `template label ${key}`);
    assert.equal(pod.spec.serviceAccountName, name);
    const container = onlyContainer(object);
    assert.equal(container.image, 'ghcr.io/baremetal-lb/baremetal-lb:0.1.0');
    assert.equal(container.args[0], name, 'the first argument picks the subcommand');
  });

  test(`${name}: probes /healthz and /readyz on the metrics port ${port}, which --metrics-addr sets`, () => {
    const container = onlyContainer(object);
    const monitoring = (container.ports as KubeObject[]).find(
      (p) => p.name === container.livenessProbe.httpGet.port,
    );
    assert.equal(monitoring?.containerPort, port);
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.readinessProbe.httpGet.port, container.livenessProbe.httpGet.port);
    assert.ok(container.args.includes(`--metrics-addr=:${port}`));
  });

  test(`${name}: least privilege that applies to both components`, () => {
    const pod = object.spec.template.spec;
    const security = onlyContainer(object).securityContext;
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(security.allowPrivilegeEscalation, false);
    assert.equal(security.readOnlyRootFilesystem, true);
    assert.deepEqual(security.capabilities.drop, ['ALL']);
    assert.notEqual(security.privileged, true);
    assert.equal(pod.automountServiceAccountToken, undefined, 'both components call the API');
  });

  test(`${name}: resources have requests and a memory limit`, () => {
    const { requests, limits } = onlyContainer(object).resources;
    assert.ok(requests.cpu && requests.memory, 'cpu and memory requests');
    assert.ok(limits.memory, 'memory limit');
  });

  test(`${name}: --namespace comes from the Pod's own namespace`, () => {
    const container = onlyContainer(object);
    assert.ok(container.args.includes('--namespace=$(NAMESPACE)'));
    assert.deepEqual(env(container, 'NAMESPACE')?.valueFrom, {
      fieldRef: { fieldPath: 'metadata.namespace' },
    });
  });
}

test('controller: two replicas, non-root, no capability added', () => {
  assert.equal(controller.spec.replicas, 2);
  const pod = controller.spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, 65532);
  assert.equal(pod.hostNetwork, undefined);
  assert.equal(onlyContainer(controller).securityContext.capabilities.add, undefined);
  assert.deepEqual(env(onlyContainer(controller), 'POD_NAME')?.valueFrom, {
    fieldRef: { fieldPath: 'metadata.name' },
  });
});

test('speaker: host network, NET_RAW and nothing else, root only for that', () => {
  const pod = speaker.spec.template.spec;
  const security = onlyContainer(speaker).securityContext;
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
  assert.deepEqual(security.capabilities.add, ['NET_RAW']);
  assert.equal(security.runAsUser, 0, 'see the comment in manifests/speaker.yaml');
  assert.equal(pod.hostPID, undefined);
  assert.equal(pod.hostIPC, undefined);
});

test('speaker: its Pods carry the labels the speakers find their peers by', () => {
  assert.deepEqual(speaker.spec.template.metadata.labels, speakerSelector.matchLabels);
});

test('speaker: node name from the downward API, shared secret from the Secret, never optional', () => {
  const container = onlyContainer(speaker);
  assert.ok(container.args.includes('--node-name=$(NODE_NAME)'));
  assert.deepEqual(env(container, 'NODE_NAME')?.valueFrom, { fieldRef: { fieldPath: 'spec.nodeName' } });
  assert.deepEqual(env(container, 'BAREMETAL_LB_MEMBERLIST_SECRET')?.valueFrom, {
    secretKeyRef: { name: 'baremetal-lb-memberlist', key: 'secretkey', optional: false },
  });
});

test('the controller creates the very Secret the speakers read, when it is missing', () => {
  const secretRef = env(onlyContainer(speaker), 'BAREMETAL_LB_MEMBERLIST_SECRET')?.valueFrom.secretKeyRef;
  assert.ok(onlyContainer(controller).args.includes(`--ml-secret-name=${secretRef.name}`));
});

for (const { name, object, port } of workloads) {
  test(`${name}: Prometheus scrape annotations point at the metrics port`, () => {
    assert.deepEqual(object.spec.template.metadata.annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
  });
}

test('speaker: failure detector ports, control-plane tolerations, short grace period', () => {
  const pod = speaker.spec.template.spec;
  const ports = (onlyContainer(speaker).ports as KubeObject[]).filter((p) => p.containerPort === 7946);
  assert.deepEqual(ports.map((p) => p.protocol).sort(), ['TCP', 'UDP']);
  assert.ok(onlyContainer(speaker).args.includes('--bind=:7946'));
  const tolerated = (pod.tolerations as KubeObject[]).map((t) => `${t.key}:${t.operator}:${t.effect}`).sort();
  assert.deepEqual(tolerated, [
    'node-role.kubernetes.io/control-plane:Exists:NoSchedule',
    'node-role.kubernetes.io/master:Exists:NoSchedule',
  ]);
  assert.equal(pod.terminationGracePeriodSeconds, 10);
});

test('the namespace enforces the privileged Pod Security level the speaker needs, and says so', () => {
  const namespace = findObject(docs, 'Namespace', systemNamespace);
  for (const mode of ['enforce', 'audit', 'warn'])
    assert.equal(namespace.metadata.labels[`pod-security.kubernetes.io/${mode}`], 'privileged', mode);
  const doc = docs.find((d) => d.object.kind === 'Namespace')!;
  assert.match(doc.node.toString(), /^#.*hostNetwork/m);
});
