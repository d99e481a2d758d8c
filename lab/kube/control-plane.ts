// The real control plane on loopback, as the lab and the tests run it: etcd, kube-apiserver and
// kube-controller-manager, each a process with its own log, started in that order and each waited
// for before the next. What the processes are (commands and flags) is plain data built here; how
// they are started is the caller's (`lab up` detaches them, so they outlive it).
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { LabProcess } from '../lab-state.ts';
import type { ProcessSpec } from '../processes.ts';
import type { KubeBinaries } from './binaries.ts';
import { type LabPki, makeLabPki } from './pki.ts';

/** The same ranges the embedded server hands cluster IPs out of: data only, never put on an interface. */
export const serviceClusterIPRanges = '10.96.0.0/12,fd00:10:96::/112';
export const auditedNamespace = 'baremetal-lb-system';

export interface ControlPlanePorts {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
}

export interface ControlPlaneLayout {
  readonly dir: string;
  readonly etcdData: string;
  readonly pki: string;
  readonly auditPolicy: string;
  readonly auditLog: string;
  /** kube-controller-manager's kubeconfig: the admin's client certificate. */
  readonly adminKubeconfig: string;
}

export function controlPlaneLayout(dir: string, logDir: string): ControlPlaneLayout {
  return {
    dir,
    etcdData: join(dir, 'etcd-data'),
    pki: join(dir, 'pki'),
    auditPolicy: join(dir, 'audit-policy.yaml'),
    auditLog: join(logDir, 'kube-apiserver-audit.log'),
    adminKubeconfig: join(dir, 'admin.kubeconfig'),
  };
}

/**
 * Only the requests of the components' ServiceAccounts are audited: that is where a refusal (403)
 * means the shipped RBAC is short, and the lab's own traffic would bury it.
 */
export const auditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'Metadata', userGroups: [`system:serviceaccounts:${auditedNamespace}`] },
    { level: 'None' },
  ],
};

export function etcdProcess(
  binaries: KubeBinaries,
  layout: ControlPlaneLayout,
  ports: ControlPlanePorts,
): ProcessSpec {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return {
    name: 'etcd',
    command: binaries.etcd,
    args: [
      '--name=lab',
      `--data-dir=${layout.etcdData}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=lab=${peer}`,
      // A lab's data is thrown away with it; fsync would only slow every write down.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
  };
}

export const apiserverProcessName = 'kube-apiserver';

export function apiserverProcess(
  binaries: KubeBinaries,
  layout: ControlPlaneLayout,
  pki: LabPki,
  ports: ControlPlanePorts,
): ProcessSpec {
  return {
    name: apiserverProcessName,
    command: binaries['kube-apiserver'],
    args: [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${join(layout.dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-cluster-ip-range=${serviceClusterIPRanges}`,
      // No kubelets: Pods are objects the lab writes. With this plugin on, a Pod could not be created
      // until kube-controller-manager has made its namespace's default ServiceAccount (envtest does the same).
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      `--audit-policy-file=${layout.auditPolicy}`,
      `--audit-log-path=${layout.auditLog}`,
      '--audit-log-maxsize=100',
      '--profiling=false',
    ],
  };
}

export function controllerManagerProcess(
  binaries: KubeBinaries,
  layout: ControlPlaneLayout,
  pki: LabPki,
): ProcessSpec {
  return {
    name: 'kube-controller-manager',
    command: binaries['kube-controller-manager'],
    args: [
      `--kubeconfig=${layout.adminKubeconfig}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--leader-elect=false',
      // Its own serving port would collide between two labs; nothing here scrapes it.
      '--secure-port=0',
      // Without kubelets no Node sends heartbeats: node lifecycle would mark every lab node
      // NotReady after 50 s and taint it. The lab writes Node status itself, as the kubelet would.
      '--controllers=*,-nodelifecycle',
    ],
  };
}

/** A kubeconfig for the admin: the lab's CA and the client certificate in group system:masters. */
export async function adminKubeconfig(pki: LabPki, port: number): Promise<string> {
  const data = async (file: string) => (await readFile(file)).toString('base64');
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'lab',
        cluster: {
          server: `https://127.0.0.1:${port}`,
          'certificate-authority-data': await data(pki.caCert),
        },
      },
    ],
    users: [
      {
        name: 'lab-admin',
        user: {
          'client-certificate-data': await data(pki.adminCert),
          'client-key-data': await data(pki.adminKey),
        },
      },
    ],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'lab-admin' } }],
    'current-context': 'lab',
    preferences: {},
  });
}

export { makeLabPki };

export interface AdminRequest {
  readonly method?: string;
  readonly path: string;
  readonly body?: string;
  /** Content-Type of the body; JSON by default. */
  readonly contentType?: string;
}

/** A request to the API server as the admin (client certificate); resolves with any status. */
export async function adminRequest(
  pki: LabPki,
  port: number,
  { method = 'GET', path, body, contentType = 'application/json' }: AdminRequest,
): Promise<{ status: number; body: string }> {
  const [ca, cert, key] = await Promise.all(
    [pki.caCert, pki.adminCert, pki.adminKey].map((f) => readFile(f)),
  );
  const headers = body === undefined ? {} : { 'content-type': contentType };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers, ca, cert, key, timeout: 5000 },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The body of GET `path` as the admin; rejects on a connection error or a non-2xx status. */
export async function apiserverGet(pki: LabPki, port: number, path: string): Promise<string> {
  const res = await adminRequest(pki, port, { path });
  if (res.status >= 300) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
  return res.body;
}

export type StartProcess = (spec: ProcessSpec) => LabProcess;
