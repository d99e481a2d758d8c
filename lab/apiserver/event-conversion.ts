// core/v1 Events and events.k8s.io/v1 Events are one resource seen two ways: stored in the core
// form (what `kubectl get events` and `describe` read), converted when served or written as
// events.k8s.io/v1, with the field renames the real server applies.

import type { KObject } from './object-model.ts';

/** events.k8s.io/v1 field → core/v1 field */
const renames: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedCount', 'count'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedSource', 'source'],
  ['reportingController', 'reportingComponent'],
];

function rename(object: KObject, pairs: [string, string][], apiVersion: string): KObject {
  const out: KObject = { ...object, apiVersion };
  for (const [from, to] of pairs) {
    if (from in out) {
      out[to] = out[from];
      delete out[from];
    }
  }
  return out;
}

export function eventToCore(object: KObject): KObject {
  return rename(object, renames, 'v1');
}

export function eventFromCore(object: KObject): KObject {
  return rename(
    object,
    renames.map(([a, b]) => [b, a]),
    'events.k8s.io/v1',
  );
}
