// The certificates a real control plane needs, made per lab: a CA, kube-apiserver's serving
// certificate for loopback, an admin client certificate in group system:masters (for kubectl, the
// lab and kube-controller-manager), and the ServiceAccount token signing key. Keys are P-256: quick
// to make and accepted by every component.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LabPki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
}

export function pkiPaths(dir: string): LabPki {
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    servingCert: file('apiserver.crt'),
    servingKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    serviceAccountKey: file('service-account.key'),
    serviceAccountPublicKey: file('service-account.pub'),
  };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? (error as Error).message;
    throw new Error(`openssl ${args[0]} failed while making the lab's certificates: ${stderr}`);
  }
}

const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A certificate signed by the lab's CA, with the extensions in `extensions` (openssl's syntax). */
async function signedCertificate(
  pki: LabPki,
  out: { cert: string; key: string },
  subject: string,
  extensions: string[],
): Promise<void> {
  const csr = `${out.cert}.csr`;
  const ext = `${out.cert}.ext`;
  await openssl(['req', '-new', ...keyArgs, '-keyout', out.key, '-subj', subject, '-out', csr]);
  await writeFile(ext, `${extensions.join('\n')}\n`);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-CAcreateserial',
    '-days',
    '365',
    '-out',
    out.cert,
    '-extfile',
    ext,
  ]);
  await rm(csr);
  await rm(ext);
}

export async function makeLabPki(dir: string): Promise<LabPki> {
  const pki = pkiPaths(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await openssl([
    'req',
    '-x509',
    ...keyArgs,
    '-keyout',
    pki.caKey,
    '-out',
    pki.caCert,
    '-days',
    '365',
    '-subj',
    '/CN=baremetal-lb-lab-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await signedCertificate(pki, { cert: pki.servingCert, key: pki.servingKey }, '/CN=kube-apiserver', [
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc',
    'extendedKeyUsage=serverAuth',
    'keyUsage=critical,digitalSignature,keyEncipherment',
  ]);
  await signedCertificate(pki, { cert: pki.adminCert, key: pki.adminKey }, '/O=system:masters/CN=lab-admin', [
    'extendedKeyUsage=clientAuth',
    'keyUsage=critical,digitalSignature,keyEncipherment',
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(pki.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  await writeFile(pki.serviceAccountPublicKey, publicKey.export({ type: 'spki', format: 'pem' }));
  return pki;
}
