// Pure parts of event recording: which Events count as repeats of one another, the Event body,
// and a bounded memory of recent Events (least recently used forgotten first).

import type { CoreV1Event } from '@kubernetes/client-node';

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about; uid is needed for `kubectl describe` to list the Event. */
export interface EventSubject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface EventInput {
  readonly subject: EventSubject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

/** Events for the same object (by uid when known), type, reason and message are one Event with a count. */
export function aggregationKey(input: EventInput): string {
  const { subject } = input;
  const who = subject.uid || `${subject.kind}/${subject.namespace ?? ''}/${subject.name}`;
  return JSON.stringify([who, input.type, input.reason, input.message]);
}

/** Where the Event lives: its object's namespace, or default for cluster-scoped objects. */
export function eventNamespace(subject: EventSubject): string {
  return subject.namespace || 'default';
}

/** Kubernetes Time: RFC 3339 with whole seconds. */
export function kubeTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

export function newEvent(
  input: EventInput,
  source: { component: string; host?: string },
  eventName: string,
  at: Date,
): CoreV1Event {
  const { subject } = input;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName, namespace: eventNamespace(subject) },
    involvedObject: {
      kind: subject.kind,
      name: subject.name,
      ...(subject.apiVersion ? { apiVersion: subject.apiVersion } : {}),
      ...(subject.namespace ? { namespace: subject.namespace } : {}),
      ...(subject.uid ? { uid: subject.uid } : {}),
      ...(subject.resourceVersion ? { resourceVersion: subject.resourceVersion } : {}),
    },
    type: input.type,
    reason: input.reason,
    message: input.message,
    source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
    reportingComponent: source.component,
    reportingInstance: source.host ?? source.component,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}

/** Merge patch turning the Event into its next repeat. */
export function repeatPatch(count: number, at: Date): { count: number; lastTimestamp: string } {
  return { count, lastTimestamp: kubeTime(at) };
}

/** Map with a size bound; reading an entry makes it the most recent. */
export class RecentMap<V> {
  private readonly entries = new Map<string, V>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
