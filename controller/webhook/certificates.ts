// The webhook's TLS material, made by the controller itself as MetalLB's does (no cert-manager
// needed): a CA and a serving certificate for the webhook Service's DNS names, signed by it. The
// keys come from Node's crypto; node-forge only assembles and signs the X.509 structures, which
// Node cannot build. Loaded lazily: only a controller serving the webhook pays for it.
import { generateKeyPairSync } from 'node:crypto';

export interface WebhookCertificates {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** ISO time the serving certificate expires. */
  readonly notAfter: string;
}

export interface CertificateRequest {
  /** DNS names the serving certificate must cover (the Service's names, in-cluster). */
  readonly dnsNames: readonly string[];
  /** IP addresses it must cover too (a webhook reached by URL on an address, in tests). */
  readonly ipAddresses?: readonly string[];
  readonly now: Date;
  readonly validDays: number;
}

function rsaKeys() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export async function makeWebhookCertificates(request: CertificateRequest): Promise<WebhookCertificates> {
  const { default: forge } = await import('node-forge');
  const { pki, md } = forge;
  const notBefore = new Date(request.now.getTime() - 60_000); // a little slack for clock skew
  const notAfter = new Date(request.now.getTime() + request.validDays * 86_400_000);
  const certificate = (serial: string, subject: string, publicPem: string) => {
    const cert = pki.createCertificate();
    cert.serialNumber = serial;
    cert.validity.notBefore = notBefore;
    cert.validity.notAfter = notAfter;
    cert.publicKey = pki.publicKeyFromPem(publicPem);
    cert.setSubject([{ name: 'commonName', value: subject }]);
    return cert;
  };
  const caKeys = rsaKeys();
  const ca = certificate('01', 'baremetal-lb-webhook-ca', caKeys.publicKey);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.sign(pki.privateKeyFromPem(caKeys.privateKey), md.sha256.create());

  const servingKeys = rsaKeys();
  const serving = certificate('02', request.dnsNames[0] ?? 'baremetal-lb-webhook', servingKeys.publicKey);
  serving.setIssuer(ca.subject.attributes);
  serving.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...request.dnsNames.map((value) => ({ type: 2, value })),
        ...(request.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  serving.sign(pki.privateKeyFromPem(caKeys.privateKey), md.sha256.create());
  return {
    caPem: pki.certificateToPem(ca),
    certPem: pki.certificateToPem(serving),
    keyPem: servingKeys.privateKey,
    notAfter: notAfter.toISOString(),
  };
}

/** The DNS names kube-apiserver may use for a Service: name.namespace.svc and the full form. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}
