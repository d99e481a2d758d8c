// The identities the lab's components run under, as in a cluster: the controller and the speakers
// each use a token of their own ServiceAccount (minted with the real `kubectl create token`), so
// the API server holds them to the RBAC in manifests/rbac/ rather than to the admin's rights.
import { chmod, writeFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { Kubectl } from './kubectl.ts';

export const componentAccounts = ['controller', 'speaker'] as const;
export type ComponentAccount = (typeof componentAccounts)[number];

/** Long enough to outlive any lab; a real cluster's projected tokens are refreshed by the kubelet. */
const tokenDuration = '8760h';

export function serviceAccountUser(namespace: string, account: string): string {
  return `system:serviceaccount:${namespace}:${account}`;
}

interface KubeconfigDoc {
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string } }[];
}

/**
 * A kubeconfig for the same cluster as `adminKubeconfig` whose only user is the ServiceAccount's
 * token: nothing of the admin's credentials is carried over.
 */
export function serviceAccountKubeconfig(
  adminKubeconfig: string,
  namespace: string,
  account: string,
  token: string,
): string {
  const admin = parseYaml(adminKubeconfig) as KubeconfigDoc;
  const contextName = admin['current-context'];
  const clusterName =
    admin.contexts?.find((c) => c.name === contextName)?.context?.cluster ?? admin.clusters?.[0]?.name;
  const cluster = admin.clusters?.find((c) => c.name === clusterName)?.cluster;
  if (!clusterName || !cluster?.server) {
    throw new Error('the admin kubeconfig names no cluster with a server to copy');
  }
  const user = serviceAccountUser(namespace, account);
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: account, context: { cluster: clusterName, user, namespace } }],
    'current-context': account,
    preferences: {},
  });
}

/** Mints a token for the account as a user would, and writes its kubeconfig (0600: it is a credential). */
export async function writeServiceAccountKubeconfig(options: {
  kubectl: Kubectl;
  adminKubeconfig: string;
  namespace: string;
  account: string;
  file: string;
}): Promise<void> {
  const { kubectl, namespace, account } = options;
  const token = (
    await kubectl('create', 'token', account, '-n', namespace, `--duration=${tokenDuration}`)
  ).trim();
  if (!token) throw new Error(`kubectl create token ${account} -n ${namespace} printed no token`);
  const text = serviceAccountKubeconfig(options.adminKubeconfig, namespace, account, token);
  await writeFile(options.file, text, { mode: 0o600 });
  await chmod(options.file, 0o600); // the mode above applies only to a new file
}
