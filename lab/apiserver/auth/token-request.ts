// POST …/serviceaccounts/NAME/token: reads the TokenRequest spec with the real defaults and
// limits, and shapes the answer the real server gives.

import { isRecord, timestamp } from '../object-model.ts';
import { badRequest, invalid } from '../status-errors.ts';
import { serverAudience } from './service-account-token.ts';

export interface TokenRequestSpec {
  expirationSeconds: number;
  audiences: string[];
}

const defaultExpirationSeconds = 3600;
const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;

export function tokenRequestSpec(name: string, body: unknown): TokenRequestSpec {
  if (!isRecord(body)) throw badRequest('the TokenRequest must be a JSON object');
  const spec = isRecord(body.spec) ? body.spec : {};
  const seconds = spec.expirationSeconds ?? defaultExpirationSeconds;
  const fail = (field: string, message: string) =>
    invalid('authentication.k8s.io', 'TokenRequest', name, [{ field, message }]);
  if (typeof seconds !== 'number' || !Number.isInteger(seconds))
    throw fail('spec.expirationSeconds', `Invalid value: ${JSON.stringify(seconds)}: must be an integer`);
  if (seconds < minExpirationSeconds)
    throw fail(
      'spec.expirationSeconds',
      `Invalid value: ${seconds}: may not specify a duration less than 10 minutes`,
    );
  if (seconds > maxExpirationSeconds)
    throw fail(
      'spec.expirationSeconds',
      `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds`,
    );
  const given = spec.audiences;
  if (
    given !== undefined &&
    given !== null &&
    !(Array.isArray(given) && given.every((a) => typeof a === 'string'))
  )
    throw fail('spec.audiences', `Invalid value: ${JSON.stringify(given)}: must be a list of strings`);
  const audiences = Array.isArray(given) && given.length > 0 ? (given as string[]) : [serverAudience];
  return { expirationSeconds: seconds, audiences };
}

export function tokenRequestResponse(
  namespace: string,
  name: string,
  spec: TokenRequestSpec,
  token: string,
  issued: Date,
): Record<string, unknown> {
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: timestamp(issued) },
    spec: { audiences: spec.audiences, expirationSeconds: spec.expirationSeconds, boundObjectRef: null },
    status: {
      token,
      expirationTimestamp: timestamp(new Date(issued.getTime() + spec.expirationSeconds * 1000)),
    },
  };
}
