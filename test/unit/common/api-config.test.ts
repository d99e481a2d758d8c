// Reading a kubeconfig the way kubectl does for the parts a component uses, and refusing, by name,
// what it cannot honour.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fromKubeconfig, loadApiConfig } from '../../../common/kube/api-config.ts';

const kubeconfig = (cluster: string, user: string, extra = '') => `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://192.0.2.9:6443"}
- name: lab
  cluster: ${cluster}
users:
- name: admin
  user: ${user}
contexts:
- name: lab
  context: {cluster: lab, user: admin}
current-context: lab
${extra}`;

test('the current context picks the cluster and user; data fields are base64', () => {
  const ca = Buffer.from('CA PEM').toString('base64');
  const config = fromKubeconfig(
    kubeconfig(
      `{server: "https://198.51.100.1:6443/", certificate-authority-data: ${ca}}`,
      `{client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')}}`,
    ),
    '/nowhere',
  );
  assert.equal(config.server, 'https://198.51.100.1:6443');
  assert.equal(config.ca?.toString(), 'CA PEM');
  assert.equal(config.cert?.toString(), 'CERT');
  assert.equal(config.key?.toString(), 'KEY');
  assert.equal(config.insecureSkipTlsVerify, false);
  assert.equal(config.token, undefined);
});

test('file paths are relative to the kubeconfig; a token file is read again once rewritten', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'api-config-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'ca.crt'), 'CA FROM FILE');
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, 'first\n');
  const config = fromKubeconfig(
    kubeconfig('{server: "https://198.51.100.1", certificate-authority: ca.crt}', '{tokenFile: token}'),
    dir,
  );
  assert.equal(config.ca?.toString(), 'CA FROM FILE');
  assert.equal(config.token?.(), 'first');
  writeFileSync(tokenFile, 'rotated\n');
  utimesSync(tokenFile, new Date(), new Date(Date.now() + 5000)); // a distinct mtime even on a coarse clock
  assert.equal(config.token?.(), 'rotated');
});

test('a plain token and insecure-skip-tls-verify', () => {
  const config = fromKubeconfig(
    kubeconfig('{server: "http://127.0.0.1:8080", insecure-skip-tls-verify: true}', '{token: abc}'),
    '/nowhere',
  );
  assert.equal(config.token?.(), 'abc');
  assert.equal(config.insecureSkipTlsVerify, true);
});

test('what cannot be honoured is refused with its name', () => {
  const rows: [string, RegExp][] = [
    [kubeconfig('{server: "https://x"}', '{exec: {command: aws}}'), /user "admin" uses exec/],
    [kubeconfig('{server: "https://x"}', '{auth-provider: {name: gcp}}'), /uses auth-provider/],
    [kubeconfig('{insecure-skip-tls-verify: true}', '{token: t}'), /no current cluster/],
    [
      kubeconfig('{server: "https://x"}', '{token: t}').replace('current-context: lab', ''),
      /no current-context/,
    ],
    [
      kubeconfig('{server: "https://x"}', '{token: t}').replace('{cluster: lab,', '{cluster: gone,'),
      /no cluster named "gone"/,
    ],
  ];
  for (const [text, expected] of rows) assert.throws(() => fromKubeconfig(text, '/nowhere'), expected);
});

test("in a Pod: the service's address (IPv6 in brackets), the account's CA, its token read again once rotated", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'api-config-account-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'ca.crt'), 'CLUSTER CA');
  writeFileSync(path.join(dir, 'token'), 'first\n');
  const v4 = loadApiConfig(
    undefined,
    { KUBERNETES_SERVICE_HOST: '198.51.100.1', KUBERNETES_SERVICE_PORT: '6443' },
    dir,
  );
  assert.equal(v4.server, 'https://198.51.100.1:6443');
  const v6 = loadApiConfig(undefined, { KUBERNETES_SERVICE_HOST: '2001:db8::1' }, dir);
  assert.equal(v6.server, 'https://[2001:db8::1]:443');
  assert.equal(v6.ca?.toString(), 'CLUSTER CA');
  assert.equal(v6.token?.(), 'first');
  writeFileSync(path.join(dir, 'token'), 'rotated\n');
  utimesSync(path.join(dir, 'token'), new Date(), new Date(Date.now() + 5000));
  assert.equal(v6.token?.(), 'rotated');
  assert.throws(
    () => loadApiConfig(undefined, {}, dir),
    /not running in a Pod \(KUBERNETES_SERVICE_HOST is unset\)/,
  );
  assert.throws(() => loadApiConfig(path.join(dir, 'missing')), /cannot load kubeconfig ".*missing"/);
});
