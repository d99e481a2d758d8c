// The real control plane on loopback, as the lab and the tests run it: etcd, kube-apiserver and
// kube-controller-manager, each a process with its own log. What the processes are (commands and
// flags, files, the audit policy) is plain data built here; start-real.ts starts them in order.
import { join } from 'node:path';
import type { LabProcess } from '../lab-state.ts';
import type { ProcessSpec } from '../processes.ts';
import type { KubeBinaries } from './binaries.ts';
import type { LabPki } from './pki.ts';

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

export type StartProcess = (spec: ProcessSpec) => LabProcess;
