// Where the API server is and how to prove who we are, read from a kubeconfig file (the lab, a
// developer's machine) or from the Pod's service account. Only what a component needs is read:
// the current context's server, its CA or insecure-skip-tls-verify, and a token or a client
// certificate. A credential plugin (exec, auth-provider) is refused by name rather than ignored.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ApiConfig {
  /** e.g. https://10.96.0.1:443, without a trailing slash. */
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  /** The bearer token for the next request; read again when its file changes (rotation). */
  readonly token?: () => string;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** `env` and `accountDir` are the process's own unless a test says otherwise. */
export function loadApiConfig(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
  accountDir = serviceAccountDir,
): ApiConfig {
  if (file) {
    try {
      return fromKubeconfig(readFileSync(file, 'utf8'), path.dirname(file));
    } catch (error) {
      throw new Error(`cannot load kubeconfig ${JSON.stringify(file)}: ${(error as Error).message}`);
    }
  }
  const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port = '443' } = env;
  if (!host)
    throw new Error('no --kubeconfig given and not running in a Pod (KUBERNETES_SERVICE_HOST is unset)');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(path.join(accountDir, 'ca.crt')),
    insecureSkipTlsVerify: false,
    token: tokenFromFile(path.join(accountDir, 'token')),
  };
}

type Entry = Record<string, unknown>;

/** The current context's cluster and user; file paths in it are relative to the kubeconfig's folder. */
export function fromKubeconfig(text: string, baseDir: string): ApiConfig {
  const doc = (parseYaml(text) ?? {}) as Entry;
  const current = doc['current-context'];
  if (typeof current !== 'string' || !current) throw new Error('the kubeconfig has no current-context');
  const context = named(doc.contexts, current, 'context');
  const cluster = named(doc.clusters, String(context.cluster ?? ''), 'cluster');
  const user = context.user === undefined ? {} : named(doc.users, String(context.user), 'user');
  if (typeof cluster.server !== 'string' || !cluster.server)
    throw new Error('the kubeconfig has no current cluster');
  for (const plugin of ['exec', 'auth-provider']) {
    if (user[plugin] !== undefined) {
      throw new Error(
        `user ${JSON.stringify(context.user)} uses ${plugin}, which is not supported: give a token or a client certificate`,
      );
    }
  }
  const material = (dataKey: string, fileKey: string, from: Entry) => {
    if (typeof from[dataKey] === 'string') return Buffer.from(from[dataKey] as string, 'base64');
    if (typeof from[fileKey] === 'string')
      return readFileSync(path.resolve(baseDir, from[fileKey] as string));
    return undefined;
  };
  const tokenFile = typeof user.tokenFile === 'string' ? path.resolve(baseDir, user.tokenFile) : undefined;
  const token = typeof user.token === 'string' ? user.token : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ca: material('certificate-authority-data', 'certificate-authority', cluster),
    cert: material('client-certificate-data', 'client-certificate', user),
    key: material('client-key-data', 'client-key', user),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    token: token !== undefined ? () => token : tokenFile ? tokenFromFile(tokenFile) : undefined,
  };
}

function named(list: unknown, name: string, what: string): Entry {
  const found = Array.isArray(list) ? (list as Entry[]).find((e) => e?.name === name) : undefined;
  const entry = found?.[what];
  if (typeof entry !== 'object' || entry === null) {
    throw new Error(`the kubeconfig has no ${what} named ${JSON.stringify(name)}`);
  }
  return entry as Entry;
}

/**
 * A projected service-account token is rotated in place (kubelet rewrites the file about hourly):
 * it is read again whenever the file's modification time changes, and is never cached for good.
 */
function tokenFromFile(file: string): () => string {
  let seen = { mtimeMs: Number.NaN, token: '' };
  return () => {
    const mtimeMs = statSync(file).mtimeMs;
    if (mtimeMs !== seen.mtimeMs) seen = { mtimeMs, token: readFileSync(file, 'utf8').trim() };
    return seen.token;
  };
}
