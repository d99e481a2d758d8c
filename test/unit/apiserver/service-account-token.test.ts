// ServiceAccount tokens: signed claims like the real ones, refused when forged, expired, not for
// the API server, or not about a ServiceAccount that still exists (fixed clock throughout).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { authenticate, labAdmin } from '../../../lab/apiserver/auth/authentication.ts';
import { serverAudience, signToken, verifyToken } from '../../../lab/apiserver/auth/service-account-token.ts';
import { loadSigningKey } from '../../../lab/apiserver/auth/signing-key.ts';
import { decodeTokenRequestProtobuf } from '../../../lab/apiserver/auth/token-request-protobuf.ts';

const key = randomBytes(32);
const account = { namespace: 'lb', name: 'controller', uid: 'u-1' };
const t0 = 1_800_000_000;

test('a signed token verifies and carries the real claims', () => {
  const { token } = signToken(key, account, t0, 3600);
  assert.equal(token.split('.').length, 3);
  const verified = verifyToken(key, token, t0 + 10);
  assert.ok('account' in verified);
  assert.deepEqual(verified.account, account);
  const c = verified.claims;
  assert.equal(c.sub, 'system:serviceaccount:lb:controller');
  assert.deepEqual(c.aud, [serverAudience]);
  assert.equal(c.iss, serverAudience);
  assert.deepEqual([c.iat, c.nbf, c.exp], [t0, t0, t0 + 3600]);
  assert.deepEqual(c['kubernetes.io'], {
    namespace: 'lb',
    serviceaccount: { name: 'controller', uid: 'u-1' },
  });
});

test('tokens are refused when forged, expired or for another audience', () => {
  const { token } = signToken(key, account, t0, 3600);
  const [h, p] = token.split('.');
  const forgedClaims = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'x' }),
  ).toString('base64url');
  const table: [string, string, number][] = [
    ['other key', signToken(randomBytes(32), account, t0, 3600).token, t0],
    ['changed claims', `${h}.${forgedClaims}.${token.split('.')[2]}`, t0],
    ['expired', token, t0 + 3600],
    ['not yet valid', token, t0 - 1],
    ['other audience', signToken(key, account, t0, 3600, ['vault']).token, t0],
    ['not a JWT', 'lab-other-token', t0],
  ];
  for (const [name, candidate, now] of table) assert.ok('rejected' in verifyToken(key, candidate, now), name);
});

test('authenticate: admin without a token, the ServiceAccount while it exists with the same uid', () => {
  const { token } = signToken(key, account, t0, 3600);
  const authority = (uid: string | undefined) => ({
    verify: (t: string) => verifyToken(key, t, t0),
    accountUid: () => uid,
  });
  assert.equal(authenticate(undefined, authority(undefined)), labAdmin);
  assert.equal(authenticate('lab-admin-token', authority(undefined)), labAdmin);
  assert.deepEqual(authenticate(token, authority('u-1')), {
    name: 'system:serviceaccount:lb:controller',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:lb', 'system:authenticated'],
  });
  assert.equal(authenticate(token, authority(undefined)), undefined, 'deleted');
  assert.equal(authenticate(token, authority('u-2')), undefined, 'recreated');
  assert.equal(authenticate('forged', authority('u-1')), undefined);
});

test('the signing key is kept in the data directory, mode 0600', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signing-key-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = loadSigningKey(dir);
  assert.deepEqual(loadSigningKey(dir), first);
  assert.equal(fs.statSync(path.join(dir, 'service-account-signing.key')).mode & 0o777, 0o600);
  assert.notDeepEqual(loadSigningKey(undefined), loadSigningKey(undefined));
});

test('the protobuf TokenRequest kubectl sends decodes to its spec', () => {
  // Captured from `kubectl create token controller --duration=8760h` (kubectl 1.32).
  const body = Buffer.from(
    '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e52657175657374121f0a100a0012001a00220' +
      '02a003200380042001205208' +
      '0e7840f1a040a0012001a002200',
    'hex',
  );
  assert.deepEqual(decodeTokenRequestProtobuf(body), { spec: { expirationSeconds: 31_536_000 } });
});
