// The real control plane's pure parts: which programs are built and how they are stamped, the
// processes' flags, and reading refusals from kube-apiserver's audit log.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { auditDenials } from '../../../lab/kube/audit.ts';
import {
  binariesIn,
  cacheRoot,
  etcdVersion,
  findGo,
  goTargets,
  kubernetesVersion,
  programNames,
  wrapperModules,
} from '../../../lab/kube/binaries.ts';
import {
  apiserverProcess,
  controllerManagerProcess,
  controlPlaneLayout,
  etcdProcess,
} from '../../../lab/kube/control-plane.ts';
import { pkiPaths } from '../../../lab/kube/pki.ts';
import { parseKubeBackend } from '../../../lab/kube-api.ts';

const binaries = {
  etcd: '/c/etcd',
  'kube-apiserver': '/c/kube-apiserver',
  'kube-controller-manager': '/c/kube-controller-manager',
  kubectl: '/c/kubectl',
};
const layout = controlPlaneLayout('/lab/control-plane', '/lab/logs');
const ports = { etcdClient: 2001, etcdPeer: 2002, apiserver: 2003 };
const pki = pkiPaths('/lab/control-plane/pki');

test('every program is built, and the Kubernetes ones say v1.36.3 in both version packages', () => {
  assert.deepEqual([...programNames].sort(), [
    'etcd',
    'kube-apiserver',
    'kube-controller-manager',
    'kubectl',
  ]);
  const kubernetes = goTargets.find((t) => t.module === 'kubernetes')!;
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    assert.match(kubernetes.ldflags, new RegExp(`-X ${pkg}.gitVersion=${kubernetesVersion}( |$)`));
    assert.match(kubernetes.ldflags, new RegExp(`-X ${pkg}.gitMinor=36( |$)`));
  }
});

test('the versions the code names are the ones the wrapper modules require', () => {
  const goMod = (module: string) => readFileSync(join(wrapperModules, module, 'go.mod'), 'utf8');
  assert.match(goMod('kubernetes'), new RegExp(`^\\s*k8s\\.io/kubernetes ${kubernetesVersion}\\b`, 'm'));
  const staging = `v0${kubernetesVersion.slice(2)}`;
  for (const line of goMod('kubernetes')
    .split('\n')
    .filter((l) => l.includes(' => '))) {
    assert.ok(line.endsWith(` ${staging}`), `${line.trim()} replaces with ${staging}`);
  }
  assert.match(goMod('etcd'), new RegExp(`^\\s*go\\.etcd\\.io/etcd/server/v3 ${etcdVersion}\\b`, 'm'));
});

test('builds are cached outside the tree: $BAREMETAL_LB_CACHE, then $XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(cacheRoot({ BAREMETAL_LB_CACHE: '/x' }), '/x');
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/y' }), '/y/baremetal-lb');
  assert.match(cacheRoot({}), /\.cache\/baremetal-lb$/);
});

test('Go is found on PATH first, then in its usual home, else not at all', () => {
  const bin = dirname(process.execPath);
  assert.equal(findGo({ PATH: `/nonexistent:${bin}` }, '/nonexistent/go'), undefined, 'node is no go');
  assert.equal(findGo({ PATH: '/nonexistent' }, process.execPath), process.execPath);
  assert.equal(findGo({ PATH: '' }, '/nonexistent/go'), undefined);
});

test('a folder without every program names the missing ones', () => {
  const found = binariesIn('/nonexistent');
  assert.ok('missing' in found);
  assert.deepEqual([...found.missing].sort(), [...programNames].sort());
});

test('etcd keeps its data in the lab folder and listens on loopback only', () => {
  const { args } = etcdProcess(binaries, layout, ports);
  assert.ok(args.includes('--data-dir=/lab/control-plane/etcd-data'));
  assert.ok(args.includes('--listen-client-urls=http://127.0.0.1:2001'));
  assert.ok(args.includes('--listen-peer-urls=http://127.0.0.1:2002'));
});

test('kube-apiserver: loopback, TLS and client certificates from the lab CA, RBAC, ServiceAccount tokens, audit', () => {
  const { args } = apiserverProcess(binaries, layout, pki, ports);
  for (const flag of [
    '--bind-address=127.0.0.1',
    '--secure-port=2003',
    '--etcd-servers=http://127.0.0.1:2001',
    `--client-ca-file=${pki.caCert}`,
    `--tls-cert-file=${pki.servingCert}`,
    '--authorization-mode=RBAC',
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--audit-log-path=/lab/logs/kube-apiserver-audit.log`,
  ]) {
    assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
  }
});

test('kube-controller-manager runs every default controller but node lifecycle, and serves no port', () => {
  const { args } = controllerManagerProcess(binaries, layout, pki);
  assert.ok(args.includes('--controllers=*,-nodelifecycle'));
  assert.ok(args.includes('--secure-port=0'));
  assert.ok(args.includes(`--kubeconfig=${layout.adminKubeconfig}`));
});

test('refusals are read from the audit log in the embedded server’s Denial shape', () => {
  const refused = {
    stage: 'ResponseComplete',
    requestReceivedTimestamp: '2026-12-02T19:13:14.206512Z',
    verb: 'list',
    requestURI: '/api/v1/namespaces/baremetal-lb-system/secrets?limit=500',
    user: { username: 'system:serviceaccount:baremetal-lb-system:controller' },
    objectRef: { resource: 'secrets', namespace: 'baremetal-lb-system', apiVersion: 'v1' },
    responseStatus: { code: 403, message: 'secrets is forbidden: …' },
  };
  const allowed = { ...refused, responseStatus: { code: 200 } };
  const log = [JSON.stringify(allowed), 'not json "code":403', JSON.stringify(refused), ''].join('\n');
  assert.deepEqual(auditDenials(log), [
    {
      user: 'system:serviceaccount:baremetal-lb-system:controller',
      verb: 'list',
      apiGroup: '',
      resource: 'secrets',
      namespace: 'baremetal-lb-system',
      path: '/api/v1/namespaces/baremetal-lb-system/secrets',
      message: 'secrets is forbidden: …',
      receivedAtMs: Date.parse('2026-12-02T19:13:14.206Z'),
    },
  ]);
  const subresource = { ...refused, objectRef: { resource: 'services', subresource: 'status', name: 'web' } };
  assert.deepEqual(
    auditDenials(JSON.stringify(subresource)).map((d) => [d.resource, d.subresource, d.name]),
    [['services', 'status', 'web']],
  );
});

test('--kube takes embedded or real and names the bad value', () => {
  assert.equal(parseKubeBackend('real'), 'real');
  assert.equal(parseKubeBackend('embedded'), 'embedded');
  assert.throws(() => parseKubeBackend('kind'), /--kube kind: expected one of embedded, real/);
});
