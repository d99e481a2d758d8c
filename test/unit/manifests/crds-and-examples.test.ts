// The CRDs are structural and MetalLB-compatible; the kustomization covers every base file; the
// examples agree with each other and only use documentation address ranges.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { type AddressRange, parseAddressRange } from '../../../common/pool-config/address-range.ts';
import {
  baseDocuments,
  examplesDir,
  findObject,
  type KubeObject,
  kustomizeResources,
  manifestsDir,
  readManifest,
  systemNamespace,
} from './manifest-files.ts';

const docs = baseDocuments();
const example = (file: string) => readManifest(path.join(examplesDir, file)).map((d) => d.object);

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f));
}

test('kustomization.yaml lists every base manifest, and only existing ones', () => {
  const base = yamlFilesUnder(manifestsDir).filter(
    (f) => !f.startsWith(examplesDir + path.sep) && path.basename(f) !== 'kustomization.yaml',
  );
  assert.deepEqual([...kustomizeResources()].sort(), base.sort());
});

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const clusterScoped = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'ValidatingWebhookConfiguration',
]);

test('every base object has apiVersion, kind, a valid name, and the system namespace when namespaced', () => {
  for (const { file, object } of docs) {
    const where = `${path.relative(manifestsDir, file)} ${object.kind}/${object.metadata?.name}`;
    assert.match(object.apiVersion ?? '', /^([a-z0-9.-]+\/)?v\d+(beta\d+|alpha\d+)?$/, where);
    assert.match(object.kind ?? '', /^[A-Z][A-Za-z]+$/, where);
    assert.match(object.metadata?.name ?? '', dns1123Subdomain, where);
    assert.equal(
      object.metadata.namespace,
      clusterScoped.has(object.kind) ? undefined : systemNamespace,
      where,
    );
  }
});

test('every workload container has a name and an image', () => {
  for (const { object } of docs.filter((d) => ['Deployment', 'DaemonSet'].includes(d.object.kind))) {
    const containers = object.spec.template.spec.containers as KubeObject[];
    assert.ok(containers.length > 0);
    for (const c of containers) assert.ok(c.name && c.image, `${object.kind}/${object.metadata.name}`);
  }
});

// Keywords a structural schema may use (apiextensions.k8s.io/v1 JSONSchemaProps, the subset used).
const schemaKeywords = new Set([
  'type',
  'description',
  'properties',
  'items',
  'required',
  'default',
  'format',
  'minimum',
  'maximum',
  'additionalProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
]);

/** Every problem with the schema node at `at`: a missing type, an unknown keyword, a default of the wrong type. */
function structuralProblems(schema: KubeObject, at: string): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(schema))
    if (!schemaKeywords.has(key)) problems.push(`${at}: unexpected keyword ${key}`);
  if (typeof schema.type !== 'string') problems.push(`${at}: no type`);
  if (schema.default !== undefined && typeof schema.default !== schema.type)
    problems.push(`${at}: default ${JSON.stringify(schema.default)} is not a ${schema.type}`);
  if (schema.type === 'array') {
    if (!schema.items) problems.push(`${at}: array without items`);
    else problems.push(...structuralProblems(schema.items, `${at}[]`));
  }
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    problems.push(...structuralProblems(child as KubeObject, `${at}.${name}`));
  for (const name of schema.required ?? [])
    if (!schema.properties?.[name]) problems.push(`${at}: required ${name} is not a property`);
  if (schema.additionalProperties)
    problems.push(...structuralProblems(schema.additionalProperties, `${at}{}`));
  return problems;
}

const crds = {
  IPAddressPool: findObject(docs, 'CustomResourceDefinition', 'ipaddresspools.metallb.io'),
  L2Advertisement: findObject(docs, 'CustomResourceDefinition', 'l2advertisements.metallb.io'),
};

for (const [kind, crd] of Object.entries(crds)) {
  test(`${kind} CRD: metallb.io/v1beta1, namespaced, status subresource, structural schema`, () => {
    assert.equal(crd.spec.group, 'metallb.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.equal(crd.spec.names.kind, kind);
    assert.equal(crd.spec.names.listKind, `${kind}List`);
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.metallb.io`);
    const versions = crd.spec.versions as KubeObject[];
    assert.deepEqual(
      versions.map((v) => [v.name, v.served, v.storage]),
      [['v1beta1', true, true]],
    );
    const version = versions[0]!;
    assert.deepEqual(version.subresources, { status: {} });
    assert.deepEqual(structuralProblems(version.schema.openAPIV3Schema, kind), []);
  });
}

test('IPAddressPool schema: MetalLB field names, types, defaults, required fields and status counts', () => {
  const version = crds.IPAddressPool.spec.versions[0];
  const schema = version.schema.openAPIV3Schema;
  const spec = schema.properties.spec;
  assert.deepEqual(schema.required, ['spec']);
  assert.deepEqual(spec.required, ['addresses']);
  assert.deepEqual(Object.keys(spec.properties).sort(), [
    'addresses',
    'autoAssign',
    'avoidBuggyIPs',
    'serviceAllocation',
  ]);
  assert.equal(spec.properties.addresses.items.type, 'string');
  assert.deepEqual(spec.properties.autoAssign, {
    ...spec.properties.autoAssign,
    type: 'boolean',
    default: true,
  });
  assert.deepEqual(spec.properties.avoidBuggyIPs, {
    ...spec.properties.avoidBuggyIPs,
    type: 'boolean',
    default: false,
  });
  assert.deepEqual(Object.keys(spec.properties.serviceAllocation.properties).sort(), [
    'namespaceSelectors',
    'namespaces',
    'priority',
    'serviceSelectors',
  ]);
  const status = schema.properties.status;
  const counts = ['assignedIPv4', 'assignedIPv6', 'availableIPv4', 'availableIPv6'];
  assert.deepEqual([...status.required].sort(), counts);
  for (const field of counts)
    assert.deepEqual(status.properties[field], { type: 'integer', format: 'int64' }, `status.${field}`);
  assert.deepEqual(
    (version.additionalPrinterColumns as KubeObject[]).map((c) => [c.name.toUpperCase(), c.jsonPath, c.type]),
    [
      ['AUTO ASSIGN', '.spec.autoAssign', 'boolean'],
      ['AVOID BUGGY IPS', '.spec.avoidBuggyIPs', 'boolean'],
      ['ADDRESSES', '.spec.addresses', 'string'],
    ],
  );
});

test('L2Advertisement schema: MetalLB field names, every selector a label selector', () => {
  const spec = crds.L2Advertisement.spec.versions[0].schema.openAPIV3Schema.properties.spec;
  assert.deepEqual(Object.keys(spec.properties).sort(), [
    'interfaces',
    'ipAddressPoolSelectors',
    'ipAddressPools',
    'nodeSelectors',
    'preferredNodeSelectors',
    'serviceSelectors',
  ]);
  const selectors = ['ipAddressPoolSelectors', 'nodeSelectors', 'serviceSelectors'].map(
    (f) => spec.properties[f].items,
  );
  selectors.push(spec.properties.preferredNodeSelectors.items.properties.preference);
  for (const selector of selectors) {
    assert.deepEqual(Object.keys(selector.properties).sort(), ['matchExpressions', 'matchLabels']);
    assert.deepEqual(selector.properties.matchExpressions.items.required, ['key', 'operator']);
    assert.equal(selector.properties.matchLabels.additionalProperties.type, 'string');
  }
});

const documentationRanges = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'].map(range);

function range(text: string): AddressRange {
  const parsed = parseAddressRange(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`);
  return parsed.range;
}

const inside = (inner: AddressRange, outer: AddressRange) =>
  inner.family === outer.family && outer.first <= inner.first && inner.last <= outer.last;

test('the two pool examples describe the same dual-stack pool, from documentation ranges only', () => {
  const configMap = example('pool-configmap.yaml').find((o) => o.kind === 'ConfigMap')!;
  assert.deepEqual(configMap.metadata, { name: 'config', namespace: systemNamespace });
  const legacy = parseYaml(configMap.data.config)['address-pools'] as KubeObject[];
  const crs = example('pool-crs.yaml');
  const pool = crs.find((o) => o.kind === 'IPAddressPool')!;
  const advertisement = crs.find((o) => o.kind === 'L2Advertisement')!;
  assert.deepEqual(
    legacy.map((p) => [p.name, p.protocol, p.addresses]),
    [[pool.metadata.name, 'layer2', pool.spec.addresses]],
  );
  assert.deepEqual(advertisement.spec.ipAddressPools, [pool.metadata.name]);
  const ranges = (pool.spec.addresses as string[]).map(range);
  assert.deepEqual(ranges.map((r) => r.family).sort(), [4, 6]);
  for (const r of ranges) assert.ok(documentationRanges.some((doc) => inside(r, doc)));
});

test('the shared-IP Services share a key and an IP from the pool, on different ports', () => {
  const services = example('shared-ip.yaml');
  assert.equal(services.length, 2);
  const annotations = services.map((s) => s.metadata.annotations);
  assert.equal(new Set(annotations.map((a) => a['metallb.io/allow-shared-ip'])).size, 1);
  assert.equal(new Set(annotations.map((a) => a['metallb.io/loadBalancerIPs'])).size, 1);
  const pool = example('pool-crs.yaml').find((o) => o.kind === 'IPAddressPool')!;
  const ip = range(`${annotations[0]['metallb.io/loadBalancerIPs']}/32`);
  assert.ok((pool.spec.addresses as string[]).map(range).some((r) => inside(ip, r)));
  const ports = services.flatMap((s) => (s.spec.ports as KubeObject[]).map((p) => `${p.protocol}/${p.port}`));
  assert.equal(new Set(ports).size, ports.length, `ports overlap: ${ports}`);
  for (const s of services) assert.equal(s.spec.type, 'LoadBalancer');
});

test('the ingress-nginx example is a dual-stack LoadBalancer Service with http and https', () => {
  const objects = example('ingress-nginx-service.yaml');
  assert.ok(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'ingress-nginx'));
  const service = objects.find((o) => o.kind === 'Service')!;
  assert.deepEqual(service.metadata, {
    ...service.metadata,
    name: 'ingress-nginx-controller',
    namespace: 'ingress-nginx',
  });
  assert.equal(service.spec.type, 'LoadBalancer');
  assert.equal(service.spec.selector['app.kubernetes.io/name'], 'ingress-nginx');
  assert.deepEqual(service.spec.ipFamilies, ['IPv4', 'IPv6']);
  assert.equal(service.spec.ipFamilyPolicy, 'PreferDualStack');
  assert.deepEqual(
    (service.spec.ports as KubeObject[]).map((p) => [p.name, p.port, p.targetPort]),
    [
      ['http', 80, 'http'],
      ['https', 443, 'https'],
    ],
  );
});
