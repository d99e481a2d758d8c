// Talking to the real kube-apiserver as the lab's admin (the client certificate in group
// system:masters): the admin kubeconfig, and plain HTTPS requests for readiness probes and tests.
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { stringify as toYaml } from 'yaml';
import type { LabPki } from './pki.ts';

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

/** True once kube-apiserver's /readyz says ok; undefined (not yet) otherwise, for waitFor. */
export async function apiserverReady(pki: LabPki, port: number): Promise<true | undefined> {
  return (await apiserverGet(pki, port, '/readyz')) === 'ok' ? true : undefined;
}
