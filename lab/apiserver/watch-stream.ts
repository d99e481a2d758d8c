// One watch connection: replay (synthetic ADDED for a fresh watch, history for a resumed one, 410
// when the history is too short), then live changes, one JSON event per line. Selectors are applied
// per event the way the real server does: an object that stops matching is DELETED for this watcher.

import type { ServerResponse } from 'node:http';
import { encodeJson } from '../../common/exact-json.ts';
import { tableOf, wantsTable } from './content-negotiation.ts';
import type { ObjectLifecycle } from './object-lifecycle.ts';
import type { KObject } from './object-model.ts';
import type { ResourceType } from './resource-registry.ts';
import type { Selection } from './selection.ts';
import { badRequest, statusBody } from './status-errors.ts';
import type { Change, WatchHub } from './watch-hub.ts';

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  selection: Selection;
  query: URLSearchParams;
  accept: string | undefined;
}

export interface WatchContext {
  hub: WatchHub;
  lifecycle: ObjectLifecycle;
  now: () => Date;
  bookmarkIntervalMs: number;
  /** Registers the open response so faults and close() can cut it. */
  track: (res: ServerResponse) => () => void;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

const maxBufferedBytes = 64 * 1024 * 1024;

/** Encoded event lines per stored object, so a change fanned out to many watchers is serialized once per view. */
const encodedLines = new WeakMap<KObject, Map<string, string>>();

function encodedLine(stored: KObject, key: string, encode: () => string): string {
  let lines = encodedLines.get(stored);
  if (!lines) {
    lines = new Map();
    encodedLines.set(stored, lines);
  }
  let line = lines.get(key);
  if (line === undefined) {
    line = encode();
    lines.set(key, line);
  }
  return line;
}

/** What a change looks like to one watcher, given whether the object matched before and after. */
export function eventFor(change: Change, matches: (object: KObject) => boolean): EventType | undefined {
  const now = matches(change.object);
  if (change.type !== 'MODIFIED') return now ? change.type : undefined;
  const before = change.previous !== undefined && matches(change.previous);
  if (before && now) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

export function serveWatch(context: WatchContext, request: WatchRequest, res: ServerResponse): void {
  const { type, namespace, query } = request;
  const { lifecycle } = context;
  const table = wantsTable(request.accept);
  const rvParam = query.get('resourceVersion') ?? '';
  const fromRv = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
  if (fromRv !== undefined && (!Number.isInteger(fromRv) || fromRv < 0)) {
    throw badRequest(`resourceVersion ${JSON.stringify(rvParam)} is not a valid resource version`);
  }
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const view = (stored: KObject) => lifecycle.view(type, stored);
  const inScope = (stored: KObject) => namespace === undefined || stored.metadata.namespace === namespace;
  const matches = (stored: KObject) => inScope(stored) && request.selection(view(stored));

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const untrack = context.track(res);

  const writeLine = (line: string) => {
    if (res.writableEnded || res.destroyed) return;
    // A watcher that stops reading would make the server buffer without bound; the real server
    // drops such watchers too, and the client resumes from its last resourceVersion.
    if (res.writableLength > maxBufferedBytes) res.destroy();
    else res.write(line);
  };
  const write = (eventType: string, object: unknown) =>
    writeLine(`${encodeJson({ type: eventType, object })}\n`);
  const send = (eventType: EventType, stored: KObject) => {
    if (table) {
      const object = view(stored);
      write(eventType, tableOf(type, [object], query, object.metadata.resourceVersion ?? '', context.now()));
      return;
    }
    const key = `${type.group}/${type.version}/${eventType}`;
    writeLine(encodedLine(stored, key, () => `${encodeJson({ type: eventType, object: view(stored) })}\n`));
  };
  const deliver = (change: Change) => {
    const eventType = eventFor(change, matches);
    if (eventType) send(eventType, change.object);
  };

  if (fromRv === undefined) {
    for (const object of lifecycle.list(type, namespace))
      if (request.selection(object))
        write(
          'ADDED',
          table
            ? tableOf(type, [object], query, object.metadata.resourceVersion ?? '', context.now())
            : object,
        );
  } else {
    const replay = context.hub.since(type.storeKey, fromRv);
    if (!replay) {
      write(
        'ERROR',
        statusBody(410, 'Expired', `too old resource version: ${fromRv} (${lifecycle.resourceVersion})`),
      );
      res.end();
      untrack();
      return;
    }
    for (const change of replay) deliver(change);
  }
  const unsubscribe = context.hub.subscribe(type.storeKey, deliver);
  const timers: NodeJS.Timeout[] = [];
  if (query.get('allowWatchBookmarks') === 'true') {
    const bookmark = setInterval(() => {
      write('BOOKMARK', {
        kind: type.kind,
        apiVersion: lifecycle.view(type, { metadata: {} }).apiVersion,
        metadata: { resourceVersion: lifecycle.resourceVersion },
      });
    }, context.bookmarkIntervalMs);
    timers.push(bookmark);
  }
  if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
  res.on('close', () => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    untrack();
  });
}
