// The real kubectl against the lab API server for the everyday workflows on built-in kinds:
// apply (3-way strategic merge patches), create, replace, get in every output, watch, describe
// with events, patch of every type, label, annotate, delete held by finalizers, and bad input.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type KubectlLab, parseColumns, startKubectlLab, waitForOutput } from './kubectl-harness.ts';

let lab: KubectlLab;
before(async () => {
  lab = await startKubectlLab();
});
after(() => lab.close());

const serviceManifest = (
  name: string,
  ports: { name: string; port: number; targetPort: number }[],
) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  type: LoadBalancer
  selector:
    app: ${name}
  ports:
${ports.map((p) => `    - name: ${p.name}\n      port: ${p.port}\n      targetPort: ${p.targetPort}`).join('\n')}
`;

const deploymentManifest = (name: string, mode: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: registry.example/app:1
          env:
            - name: MODE
              value: ${mode}
            - name: LEVEL
              value: "3"
          ports:
            - containerPort: 8080
        - name: sidecar
          image: registry.example/proxy:1
`;

// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields it needs from kubectl's JSON
async function getJson(...args: string[]): Promise<any> {
  return JSON.parse(await lab.kubectl(['get', ...args, '-o', 'json']));
}

describe('apply', () => {
  test('apply -f creates, then re-apply of a changed file removes a Service port and changes an env value', async () => {
    const http = { name: 'http', port: 80, targetPort: 8080 };
    const https = { name: 'https', port: 443, targetPort: 8443 };
    const v1 = await lab.writeFile(
      'app-v1.yaml',
      `${serviceManifest('shop', [http, https])}---\n${deploymentManifest('shop', 'slow')}`,
    );
    const created = await lab.kubectl(['apply', '-f', v1]);
    assert.match(created, /service\/shop created/);
    assert.match(created, /deployment.apps\/shop created/);
    const before = await getJson('svc', 'shop');
    const httpNodePort = before.spec.ports[0].nodePort;
    assert.equal(typeof httpNodePort, 'number');

    const v2 = await lab.writeFile(
      'app-v2.yaml',
      `${serviceManifest('shop', [http])}---\n${deploymentManifest('shop', 'fast')}`,
    );
    const configured = await lab.kubectl(['apply', '-f', v2]);
    assert.match(configured, /service\/shop configured/);
    assert.match(configured, /deployment.apps\/shop configured/);

    const service = await getJson('svc', 'shop');
    assert.deepEqual(
      service.spec.ports.map((p: { port: number }) => p.port),
      [80],
    );
    assert.equal(
      service.spec.ports[0].nodePort,
      httpNodePort,
      'the remaining port keeps its allocated nodePort',
    );
    const deployment = await getJson('deploy', 'shop');
    const containers = deployment.spec.template.spec.containers;
    assert.deepEqual(
      containers.map((c: { name: string }) => c.name),
      ['app', 'sidecar'],
    );
    assert.deepEqual(containers[0].env, [
      { name: 'MODE', value: 'fast' },
      { name: 'LEVEL', value: '3' },
    ]);
    assert.equal(containers[0].ports[0].containerPort, 8080);
    assert.match(await lab.kubectl(['apply', '-f', v2]), /service\/shop unchanged/);
  });

  test('re-apply without a label removes it but keeps a label that kubectl label added (3-way merge)', async () => {
    const manifest = (labels: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: three-way\n  labels:\n${labels}data:\n  a: "1"\n`;
    await lab.kubectl(['apply', '-f', '-'], manifest('    keep: "yes"\n    drop: "yes"\n'));
    await lab.kubectl(['label', 'cm', 'three-way', 'added=by-hand']);
    await lab.kubectl(['apply', '-f', '-'], manifest('    keep: "yes"\n'));
    assert.deepEqual((await getJson('cm', 'three-way')).metadata.labels, { keep: 'yes', added: 'by-hand' });
  });
});

describe('create, replace, get', () => {
  test('create -f makes the object and refuses to make it twice', async () => {
    const file = await lab.writeFile(
      'cm-create.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created\ndata:\n  a: "1"\n',
    );
    assert.match(await lab.kubectl(['create', '-f', file]), /configmap\/created created/);
    const again = await lab.run(['create', '-f', file]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /AlreadyExists|already exists/);
  });

  test('the imperative create commands work, though kubectl sends their objects as protobuf', async () => {
    assert.match(await lab.kubectl(['create', 'namespace', 'imperative']), /namespace\/imperative created/);
    await lab.kubectl([
      'create',
      'configmap',
      'settings',
      '-n',
      'imperative',
      '--from-literal=mode=fast',
      '--from-literal=level=3',
    ]);
    await lab.kubectl([
      'create',
      'secret',
      'generic',
      'key',
      '-n',
      'imperative',
      '--from-literal=secretkey=s3cr3t',
    ]);
    await lab.kubectl(['create', 'serviceaccount', 'robot', '-n', 'imperative']);
    assert.deepEqual((await getJson('cm', 'settings', '-n', 'imperative')).data, {
      mode: 'fast',
      level: '3',
    });
    const secret = await getJson('secret', 'key', '-n', 'imperative');
    assert.equal(secret.type, 'Opaque');
    assert.equal(Buffer.from(secret.data.secretkey, 'base64').toString(), 's3cr3t');
    assert.equal((await getJson('sa', 'robot', '-n', 'imperative')).metadata.name, 'robot');
    assert.equal((await getJson('ns', 'imperative')).status.phase, 'Active');
  });

  test('replace -f swaps the whole object', async () => {
    const file = await lab.writeFile(
      'cm-replace.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: replaced\ndata:\n  a: "1"\n  b: "2"\n',
    );
    await lab.kubectl(['create', '-f', file]);
    await lab.writeFile(
      'cm-replace.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: replaced\ndata:\n  c: "3"\n',
    );
    assert.match(await lab.kubectl(['replace', '-f', file]), /configmap\/replaced replaced/);
    assert.deepEqual((await getJson('cm', 'replaced')).data, { c: '3' });
  });

  test('get svc prints NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, <pending> until the status gets an ingress IP', async () => {
    await lab.kubectl(
      ['apply', '-f', '-'],
      serviceManifest('lb', [{ name: 'http', port: 80, targetPort: 8080 }]),
    );
    const output = await lab.kubectl(['get', 'svc', 'lb']);
    assert.match(output.split('\n')[0] ?? '', /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    const [row] = parseColumns(output);
    assert.equal(row?.NAME, 'lb');
    assert.equal(row?.TYPE, 'LoadBalancer');
    assert.match(row?.['CLUSTER-IP'] ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(row?.['EXTERNAL-IP'], '<pending>');
    assert.match(row?.['PORT(S)'] ?? '', /^80:\d+\/TCP$/);
    assert.match(row?.AGE ?? '', /^\d+s$/);

    const patch = JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } });
    await lab.kubectl(['patch', 'svc', 'lb', '--subresource=status', '--type=merge', '-p', patch]);
    assert.equal(parseColumns(await lab.kubectl(['get', 'svc', 'lb']))[0]?.['EXTERNAL-IP'], '192.0.2.10');
    assert.match(await lab.kubectl(['get', 'svc', 'lb', '-o', 'wide']), /SELECTOR[\s\S]*app=lb/);
    const custom = await lab.kubectl([
      'get',
      'svc',
      'lb',
      '-o',
      'custom-columns=NAME:.metadata.name,IP:.status.loadBalancer.ingress[0].ip',
    ]);
    assert.deepEqual(parseColumns(custom), [{ NAME: 'lb', IP: '192.0.2.10' }]);
  });

  test('get -o yaml, -o json and -o jsonpath print the stored object', async () => {
    await lab.kubectl(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shown\ndata:\n  key: value\n',
    );
    assert.match(await lab.kubectl(['get', 'cm', 'shown', '-o', 'yaml']), /^data:\n {2}key: value$/m);
    const json = await getJson('cm', 'shown');
    assert.equal(json.kind, 'ConfigMap');
    assert.equal(json.metadata.name, 'shown');
    assert.equal(await lab.kubectl(['get', 'cm', 'shown', '-o', 'jsonpath={.data.key}']), 'value');
    const list = await getJson('cm');
    assert.equal(list.kind, 'List');
    assert.ok(list.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'shown'));
  });

  test('get -w prints the table header and rows as objects appear', async () => {
    const watcher = lab.spawn(['get', 'secrets', '-w']);
    const seen = waitForOutput(watcher, /watched\s+Opaque\s+1/);
    await lab.kubectl(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: watched\ntype: Opaque\nstringData:\n  k: v\n',
    );
    const output = await seen;
    if (watcher.pid !== undefined) process.kill(watcher.pid, 'SIGKILL');
    assert.match(output, /NAME\s+TYPE\s+DATA\s+AGE/);
  });
});

test('get svc -w shows EXTERNAL-IP go from <pending> to the assigned IP', async () => {
  await lab.kubectl(
    ['apply', '-f', '-'],
    serviceManifest('watched-lb', [{ name: 'http', port: 80, targetPort: 8080 }]),
  );
  const watcher = lab.spawn(['get', 'svc', 'watched-lb', '-w']);
  await waitForOutput(watcher, /watched-lb\s+LoadBalancer\s+\S+\s+<pending>/);
  // Wait for the whole row: kubectl may flush a line before its PORT(S) cell.
  const assigned = waitForOutput(watcher, /watched-lb\s+LoadBalancer\s+\S+\s+192\.0\.2\.40\s+\S+\s/);
  const patch = JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '192.0.2.40' }] } } });
  await lab.kubectl(['patch', 'svc', 'watched-lb', '--subresource=status', '--type=merge', '-p', patch]);
  const output = await assigned;
  if (watcher.pid !== undefined) process.kill(watcher.pid, 'SIGKILL');
  assert.match(output, /80:\d+\/TCP/, 'the watch row carries the PORT(S) cell too');
});

describe('events and describe', () => {
  test('describe svc lists the Service events and get events prints them', async () => {
    await lab.kubectl(
      ['apply', '-f', '-'],
      serviceManifest('described', [{ name: 'http', port: 80, targetPort: 8080 }]),
    );
    const uid = await lab.kubectl(['get', 'svc', 'described', '-o', 'jsonpath={.metadata.uid}']);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'described.ip' },
      involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'described', namespace: 'default', uid },
      type: 'Normal',
      reason: 'IPAllocated',
      message: 'Assigned IP ["192.0.2.20"]',
      source: { component: 'baremetal-lb-controller' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await lab.kubectl(['create', '-f', '-'], JSON.stringify(event));
    const described = await lab.kubectl(['describe', 'svc', 'described']);
    assert.match(described, /^Name:\s+described$/m);
    assert.match(
      described,
      /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n.*\n\s+Normal\s+IPAllocated\s+\S+\s+baremetal-lb-controller\s+Assigned IP \["192.0.2.20"\]/,
    );
    const rows = parseColumns(await lab.kubectl(['get', 'events']));
    const row = rows.find((r) => r.OBJECT === 'service/described');
    assert.equal(row?.TYPE, 'Normal');
    assert.equal(row?.REASON, 'IPAllocated');
    assert.equal(row?.MESSAGE, 'Assigned IP ["192.0.2.20"]');
    assert.match(row?.['LAST SEEN'] ?? '', /^\d+s$/);
    const selected = await lab.kubectl([
      'get',
      'events',
      '--field-selector',
      `involvedObject.uid=${uid},type=Normal`,
      '-o',
      'name',
    ]);
    assert.equal(selected.trim(), 'event/described.ip');
    assert.equal(
      (await lab.kubectl(['get', 'events', '--field-selector', 'type=Warning', '-o', 'name'])).trim(),
      '',
    );
  });
});

describe('patch, label, annotate', () => {
  test('patch with strategic, merge and json patches', async () => {
    await lab.kubectl(
      ['apply', '-f', '-'],
      serviceManifest('patched', [{ name: 'http', port: 80, targetPort: 8080 }]),
    );
    const strategic = JSON.stringify({
      spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }] },
    });
    assert.match(await lab.kubectl(['patch', 'svc', 'patched', '-p', strategic]), /service\/patched patched/);
    let ports = (await getJson('svc', 'patched')).spec.ports.map((p: { port: number }) => p.port).sort();
    assert.deepEqual(ports, [53, 80], 'a strategic patch adds to the port list');

    await lab.kubectl([
      'patch',
      'svc',
      'patched',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { selector: { app: 'other' } } }),
    ]);
    assert.deepEqual((await getJson('svc', 'patched')).spec.selector, { app: 'other' });

    const json = JSON.stringify([
      { op: 'test', path: '/spec/selector/app', value: 'other' },
      { op: 'remove', path: '/spec/ports/0' },
    ]);
    await lab.kubectl(['patch', 'svc', 'patched', '--type=json', '-p', json]);
    ports = (await getJson('svc', 'patched')).spec.ports;
    assert.equal(ports.length, 1);

    const failing = await lab.run([
      'patch',
      'svc',
      'patched',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'test', path: '/spec/selector/app', value: 'nope' }]),
    ]);
    assert.notEqual(failing.code, 0);
    // kube-apiserver's generic 422 for a JSON patch that does not apply: it names no operation.
    assert.match(failing.stderr, /the server rejected our request due to an error in our request/);
  });

  test('patch --subresource=status changes only the status', async () => {
    await lab.kubectl(
      ['apply', '-f', '-'],
      serviceManifest('statused', [{ name: 'http', port: 80, targetPort: 8080 }]),
    );
    const patch = JSON.stringify({
      spec: { selector: { app: 'ignored' } },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.30' }] } },
    });
    await lab.kubectl(['patch', 'svc', 'statused', '--subresource=status', '--type=merge', '-p', patch]);
    const service = await getJson('svc', 'statused');
    assert.deepEqual(service.status.loadBalancer.ingress, [{ ip: '192.0.2.30', ipMode: 'VIP' }]);
    assert.deepEqual(service.spec.selector, { app: 'statused' });
  });

  test('label and annotate add, overwrite and remove keys', async () => {
    await lab.kubectl(['create', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tagged\n');
    assert.match(
      await lab.kubectl(['label', 'cm', 'tagged', 'tier=front', 'team=net']),
      /configmap\/tagged labeled/,
    );
    assert.match(
      await lab.kubectl(['label', 'cm', 'tagged', 'tier=back', '--overwrite', 'team-']),
      // kubectl ≥ 1.33 says "modified" when one call adds and removes labels; older ones say "labeled".
      /configmap\/tagged (labeled|modified)/,
    );
    assert.match(
      await lab.kubectl(['annotate', 'cm', 'tagged', 'note=hello']),
      /configmap\/tagged annotated/,
    );
    const metadata = (await getJson('cm', 'tagged')).metadata;
    assert.deepEqual(metadata.labels, { tier: 'back' });
    assert.equal(metadata.annotations.note, 'hello');
    assert.match(await lab.kubectl(['get', 'cm', '-l', 'tier=back']), /^tagged\s/m);
    assert.doesNotMatch(await lab.kubectl(['get', 'cm', '-l', 'tier in (front)']), /tagged/);
    const refused = await lab.run(['label', 'cm', 'tagged', 'tier=again']);
    assert.notEqual(refused.code, 0, 'changing a label needs --overwrite');
  });
});

describe('delete', () => {
  test('delete honours finalizers: the object stays with a deletionTimestamp until they are removed', async () => {
    await lab.kubectl(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers:\n    - example.com/hold\n',
    );
    await lab.kubectl(['delete', 'cm', 'held', '--wait=false']);
    const held = await getJson('cm', 'held');
    assert.match(held.metadata.deletionTimestamp, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(held.metadata.finalizers, ['example.com/hold']);
    await lab.kubectl([
      'patch',
      'cm',
      'held',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    const gone = await lab.run(['get', 'cm', 'held']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound/);
  });

  test('delete -f removes what the file names', async () => {
    const file = await lab.writeFile(
      'cm-delete.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deleted\n',
    );
    await lab.kubectl(['create', '-f', file]);
    assert.match(await lab.kubectl(['delete', '-f', file]), /configmap "deleted" deleted/);
    assert.match((await lab.run(['get', 'cm', 'deleted'])).stderr, /NotFound/);
  });
});

describe('bad input', () => {
  test('an invalid Service port prints the 422 message naming the field', async () => {
    const result = await lab.run(
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'bad' },
        spec: { ports: [{ port: 70000 }] },
      }),
    );
    assert.notEqual(result.code, 0);
    // targetPort defaults to port, so kube-apiserver finds both out of range.
    assert.match(
      result.stderr,
      /The Service "bad" is invalid: \n\* spec\.ports\[0\]\.port: Invalid value: 70000/,
    );
    assert.match(
      result.stderr,
      /\* spec\.ports\[0\]\.targetPort: Invalid value: 70000: must be between 1 and 65535/,
    );
  });

  test("a typo'd Service field is refused under kubectl's strict validation", async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'typo' },
      spec: { port: 80, ports: [{ port: 80 }] },
    };
    const result = await lab.run(['apply', '-f', '-'], JSON.stringify(manifest));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /strict decoding error: unknown field "spec\.port"/);
  });

  test('an unknown resource type is reported as such', async () => {
    const result = await lab.run(['get', 'frobnicators']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /the server doesn't have a resource type "frobnicators"/);
  });
});
