// Pure rules of Lease leader election, as in client-go: a Lease is expired when its record has not
// changed for leaseDuration by the local clock (remote clocks are never compared), an empty holder
// is free to take, and a release leaves an empty holder so the next candidate need not wait.

import type { V1LeaseSpec } from '@kubernetes/client-node';
import { MicroTime } from './micro-time.ts';

function microTime(at: Date): MicroTime {
  return new MicroTime(at.getTime());
}

export type LeaseAction = 'acquire' | 'renew' | 'wait';

export interface LeaseObservation {
  /** Holder and renewTime as last seen; a change restarts the expiry clock. */
  readonly record: string;
  /** Local time (ms) the record was first seen. */
  readonly observedAtMs: number;
}

export function recordOf(spec: V1LeaseSpec | undefined): string {
  const renew = spec?.renewTime ? new Date(spec.renewTime).getTime() : 0;
  return `${spec?.holderIdentity ?? ''}@${renew}`;
}

/** The observation after seeing spec at nowMs. */
export function observe(
  previous: LeaseObservation | undefined,
  spec: V1LeaseSpec | undefined,
  nowMs: number,
): LeaseObservation {
  const record = recordOf(spec);
  return previous?.record === record ? previous : { record, observedAtMs: nowMs };
}

export function leaseAction(
  spec: V1LeaseSpec | undefined,
  observation: LeaseObservation,
  identity: string,
  nowMs: number,
): LeaseAction {
  const holder = spec?.holderIdentity ?? '';
  if (holder === identity) return 'renew';
  if (holder === '') return 'acquire';
  const durationMs = (spec?.leaseDurationSeconds ?? 0) * 1000;
  return observation.observedAtMs + durationMs <= nowMs ? 'acquire' : 'wait';
}

/** The spec to write for acquire or renew. */
export function nextLeaseSpec(
  current: V1LeaseSpec | undefined,
  action: 'acquire' | 'renew',
  identity: string,
  leaseDurationSeconds: number,
  now: Date,
): V1LeaseSpec {
  if (action === 'renew' && current) return { ...current, leaseDurationSeconds, renewTime: microTime(now) };
  const transitions = current?.leaseTransitions ?? 0;
  const changed = (current?.holderIdentity ?? '') !== identity && current !== undefined;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: microTime(now),
    renewTime: microTime(now),
    leaseTransitions: changed ? transitions + 1 : transitions,
  };
}

/** client-go's release: no holder, a 1 s duration, transitions kept. */
export function releasedLeaseSpec(current: V1LeaseSpec | undefined, now: Date): V1LeaseSpec {
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: microTime(now),
    renewTime: microTime(now),
    leaseTransitions: current?.leaseTransitions ?? 0,
  };
}
