// Lists in chunks (`limit` and `continue`), as kube-apiserver serves them: objects in the order of
// their storage keys, at most `limit` a page, and an opaque token that names the list's
// resourceVersion and the key to resume from. Without this, a client's paging was never exercised
// against the embedded server, only against the real one.
//
// The real server reads every page from the etcd snapshot of the first. This one keeps no snapshots:
// later pages show the objects as they are now. Every page still reports the first page's
// resourceVersion, so a client that watches from it is told of every change since, and ends up where
// a consistent list would have left it.

import type { KObject } from './object-model.ts';
import { compareStorageKeys, storageKeyOf } from './object-store.ts';
import { badRequest } from './status-errors.ts';

export interface ListPage {
  readonly items: readonly KObject[];
  readonly metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
}

interface ContinueToken {
  readonly v: string;
  readonly rv: number;
  readonly start: string;
}

const tokenVersion = 'meta.k8s.io/v1';

/**
 * One page of `items` (already selected, in storage-key order as the store lists them), as the query asks. `selected`: a label or field selector
 * was given, in which case the real server cannot count what is left and leaves remainingItemCount out.
 */
export function pageOfList(
  items: readonly KObject[],
  query: URLSearchParams,
  currentResourceVersion: string,
  selected: boolean,
): ListPage {
  const limit = limitOf(query);
  const token = continueOf(query);
  const from =
    token === undefined ? items : items.filter((o) => compareStorageKeys(storageKeyOf(o), token.start) >= 0);
  const resourceVersion = token === undefined ? currentResourceVersion : String(token.rv);
  if (limit === undefined || from.length <= limit) return { items: from, metadata: { resourceVersion } };
  const page = from.slice(0, limit);
  const next: ContinueToken = {
    v: tokenVersion,
    rv: Number(resourceVersion),
    start: `${storageKeyOf(page.at(-1)!)}\u0000`,
  };
  return {
    items: page,
    metadata: {
      resourceVersion,
      continue: Buffer.from(JSON.stringify(next)).toString('base64url'),
      ...(selected ? {} : { remainingItemCount: from.length - limit }),
    },
  };
}

/** No limit, or one of 0 or less, lists everything (as the real storage does). */
function limitOf(query: URLSearchParams): number | undefined {
  const text = query.get('limit');
  if (text === null || text === '') return undefined;
  const limit = Number(text);
  if (!Number.isSafeInteger(limit)) throw badRequest(`limit ${JSON.stringify(text)} is not a whole number`);
  return limit > 0 ? limit : undefined;
}

function continueOf(query: URLSearchParams): ContinueToken | undefined {
  const text = query.get('continue');
  if (text === null || text === '') return undefined;
  const resourceVersion = query.get('resourceVersion');
  if (resourceVersion !== null && resourceVersion !== '' && resourceVersion !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue');
  }
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    token = undefined;
  }
  if (!isContinueToken(token)) throw badRequest(`invalid continue token ${JSON.stringify(text)}`);
  return token;
}

function isContinueToken(value: unknown): value is ContinueToken {
  if (typeof value !== 'object' || value === null) return false;
  const { v, rv, start } = value as Record<string, unknown>;
  return v === tokenVersion && Number.isSafeInteger(rv) && (rv as number) > 0 && typeof start === 'string';
}
