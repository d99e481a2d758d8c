// ServiceAccount tokens shaped like the real bound tokens (a JWT with the kubernetes.io claims),
// signed HS256 with the server's key. Pure: the caller passes the key and the clock.

import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** The issuer and the only audience the API server accepts, as on a default cluster. */
export const serverAudience = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

const signature = (key: Buffer, signed: string): Buffer => createHmac('sha256', key).update(signed).digest();

export const serviceAccountUser = (namespace: string, name: string): string =>
  `system:serviceaccount:${namespace}:${name}`;

export function signToken(
  key: Buffer,
  account: ServiceAccountRef,
  nowSeconds: number,
  expirationSeconds: number,
  audiences: readonly string[] = [serverAudience],
): { token: string; claims: TokenClaims } {
  const claims: TokenClaims = {
    iss: serverAudience,
    sub: serviceAccountUser(account.namespace, account.name),
    aud: [...audiences],
    exp: nowSeconds + expirationSeconds,
    iat: nowSeconds,
    nbf: nowSeconds,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: account.namespace,
      serviceaccount: { name: account.name, uid: account.uid },
    },
  };
  const signed = `${header}.${base64url(JSON.stringify(claims))}`;
  return { token: `${signed}.${base64url(signature(key, signed))}`, claims };
}

/** The account a token speaks for, or why it does not (never both). */
export type Verification = { account: ServiceAccountRef; claims: TokenClaims } | { rejected: string };

export function verifyToken(key: Buffer, token: string, nowSeconds: number): Verification {
  const parts = token.split('.');
  if (parts.length !== 3) return { rejected: 'not a JWT' };
  const [head, payload, sig] = parts as [string, string, string];
  const expected = signature(key, `${head}.${payload}`);
  const given = Buffer.from(sig, 'base64url');
  if (head !== header || given.length !== expected.length || !timingSafeEqual(given, expected))
    return { rejected: 'bad signature' };
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return { rejected: 'malformed claims' };
  }
  if (!(typeof claims.exp === 'number' && nowSeconds < claims.exp)) return { rejected: 'token has expired' };
  if (typeof claims.nbf === 'number' && nowSeconds < claims.nbf)
    return { rejected: 'token is not valid yet' };
  if (!Array.isArray(claims.aud) || !claims.aud.includes(serverAudience))
    return { rejected: 'token audiences do not include the API server' };
  const k = claims['kubernetes.io'];
  const account = { namespace: k?.namespace, name: k?.serviceaccount?.name, uid: k?.serviceaccount?.uid };
  if (
    typeof account.namespace !== 'string' ||
    typeof account.name !== 'string' ||
    typeof account.uid !== 'string'
  )
    return { rejected: 'token names no ServiceAccount' };
  return { account: account as ServiceAccountRef, claims };
}
