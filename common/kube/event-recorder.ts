// Writes core/v1 Events. A repeat of a recent Event (same object, type, reason, message) bumps its
// count and lastTimestamp instead of creating another, like client-go's recorder. Recording never
// throws: an Event is worth a log line, not a failed reconcile.

import type { Logger } from '../observability/logger.ts';
import { type ApiConnection, mergePatch } from './api-connection.ts';
import { describeApiError, isNotFound, statusCodeOf } from './api-errors.ts';
import { events, resourcePath } from './api-paths.ts';
import { type BackoffPolicy, backoffDelay } from './backoff.ts';
import {
  aggregationKey,
  type EventInput,
  type EventSubject,
  type EventType,
  eventNamespace,
  newEvent,
  RecentMap,
  repeatPatch,
} from './event-aggregation.ts';

export interface EventRecorderOptions {
  readonly connection: ApiConnection;
  /** source.component, e.g. 'metallb-controller'. */
  readonly component: string;
  readonly host?: string;
  readonly logger: Logger;
  /** Recent Events remembered for aggregation; default 4096. */
  readonly remember?: number;
  readonly now?: () => Date;
  /** Event writes in flight at once, the rest wait their turn; default 8. */
  readonly concurrency?: number;
  /** Tries per Event when the API server fails (5xx, 409, 429, no connection); default 6. */
  readonly attempts?: number;
  readonly backoff?: BackoffPolicy;
}

interface Recorded {
  readonly name: string;
  readonly namespace: string;
  count: number;
}

/** Worth another try: the server failed or was busy, or could not be reached (no status code). */
function retriable(error: unknown): boolean {
  const code = statusCodeOf(error);
  return code === undefined || code >= 500 || code === 409 || code === 429;
}

export class EventRecorder {
  private readonly options: EventRecorderOptions;
  private readonly recent: RecentMap<Recorded>;
  /** Per aggregation key, the write in flight, so a repeat patches the Event its predecessor made. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private sequence = 0;
  // A burst (a speaker taking over 10k Services) must not become 10k requests in flight at once.
  private writing = 0;
  private readonly queued: (() => void)[] = [];

  constructor(options: EventRecorderOptions) {
    this.options = options;
    this.recent = new RecentMap(options.remember ?? 4096);
  }

  record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const input: EventInput = { subject, type, reason, message };
    const key = aggregationKey(input);
    const previous = this.inFlight.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.write(key, input));
    this.inFlight.set(key, next);
    void next.then(() => {
      if (this.inFlight.get(key) === next) this.inFlight.delete(key);
    });
    return next;
  }

  /** Waits for every Event write started so far. */
  async flush(): Promise<void> {
    await Promise.all(this.inFlight.values());
  }

  private async write(key: string, input: EventInput): Promise<void> {
    const attempts = this.options.attempts ?? 6;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.inTurn(() => this.writeOnce(key, input));
        return;
      } catch (error) {
        if (attempt + 1 < attempts && retriable(error)) {
          const delay = backoffDelay(attempt, this.options.backoff ?? { initialMs: 100, maxMs: 5000 });
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        this.options.logger.warn(
          {
            err: describeApiError(error),
            reason: input.reason,
            object: `${input.subject.kind} ${input.subject.namespace ?? ''}/${input.subject.name}`,
          },
          'could not record event',
        );
        return;
      }
    }
  }

  private async inTurn<T>(write: () => Promise<T>): Promise<T> {
    // A finishing write hands its turn straight to the next one, so `writing` never overshoots.
    if (this.writing >= (this.options.concurrency ?? 8)) {
      await new Promise<void>((resolve) => this.queued.push(resolve));
    } else {
      this.writing++;
    }
    try {
      return await write();
    } finally {
      const next = this.queued.shift();
      if (next) next();
      else this.writing--;
    }
  }

  private async writeOnce(key: string, input: EventInput): Promise<void> {
    const now = (this.options.now ?? (() => new Date()))();
    const known = this.recent.get(key);
    if (known) {
      try {
        const event = resourcePath(events, { namespace: known.namespace, name: known.name });
        await this.options.connection.request('PATCH', event, {
          body: repeatPatch(known.count + 1, now),
          contentType: mergePatch,
        });
        known.count++;
        return;
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.recent.delete(key); // expired or deleted: start a new Event
      }
    }
    const namespace = eventNamespace(input.subject);
    const name = `${input.subject.name}.${(now.getTime() * 1000 + (this.sequence++ % 1000)).toString(16)}`;
    const body = newEvent(input, this.source(), name, now);
    await this.options.connection.request('POST', resourcePath(events, { namespace }), { body });
    this.recent.set(key, { name, namespace, count: 1 });
  }

  private source(): { component: string; host?: string } {
    return this.options.host === undefined
      ? { component: this.options.component }
      : { component: this.options.component, host: this.options.host };
  }
}
