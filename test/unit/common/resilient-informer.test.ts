// The informer's list-and-watch loop against a scripted server: lists are read page by page, a watch
// resumes from the list's resourceVersion, and a 410 Expired relists, telling as deleted whatever
// went away meanwhile.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApiConnection, QueryValue } from '../../../common/kube/api-connection.ts';
import { ResilientInformer } from '../../../common/kube/resilient-informer.ts';
import { createLogger } from '../../../common/observability/logger.ts';

const obj = (name: string, resourceVersion: string): KubernetesObject => ({
  metadata: { namespace: 'default', name, resourceVersion },
});
const page = (items: KubernetesObject[], resourceVersion: string, next?: string) => ({
  items,
  metadata: { resourceVersion, ...(next ? { continue: next } : {}) },
});
const line = (type: string, object: object) => `${JSON.stringify({ type, object })}\n`;

/** In a scripted watch: the connection breaks (the API server went away) after the events before it. */
const reset = 'RESET';

/** Answers lists from `lists` and watches from `watches` in order; a watch left open ends on abort. */
function scriptedConnection(lists: object[], watches: string[][]) {
  const asked: string[] = [];
  const connection = {
    async request(method: string, path: string, { query }: { query: Record<string, QueryValue> }) {
      asked.push(`${method} ${path} limit=${query.limit} continue=${query.continue ?? ''}`);
      const next = lists.shift();
      assert.ok(next, 'no more lists scripted');
      return next;
    },
    async stream(path: string, query: Record<string, QueryValue>, signal: AbortSignal) {
      asked.push(
        `WATCH ${path} resourceVersion=${query.resourceVersion} bookmarks=${query.allowWatchBookmarks}`,
      );
      const body = new PassThrough();
      const script = watches.shift() ?? [];
      for (const event of script) if (event !== reset) body.write(event);
      if (script.at(-1)?.includes('"ERROR"')) body.end();
      if (script.at(-1) === reset)
        setImmediate(() => body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      signal.addEventListener('abort', () => body.destroy(new Error('aborted')));
      return body as unknown as IncomingMessage;
    },
  } as unknown as ApiConnection;
  return { connection, asked };
}

test('pages, a resumed watch, and a 410 that relists and reports what went away', async (t) => {
  const { connection, asked } = scriptedConnection(
    [
      page([obj('a', '1'), obj('b', '1')], '10', 'page-2'),
      page([obj('c', '1')], '10'),
      page([obj('a', '1'), obj('d', '11')], '20'),
    ],
    [[line('ADDED', obj('d', '11')), line('ERROR', { kind: 'Status', code: 410, reason: 'Expired' })], []],
  );
  const informer = new ResilientInformer<KubernetesObject>({
    name: 'things',
    connection,
    path: '/api/v1/things',
    logger: createLogger({ component: 'test', level: 'silent' }),
  });
  const told: string[] = [];
  for (const verb of ['add', 'update', 'delete'] as const)
    informer.on(verb, (o) => told.push(`${verb} ${o.metadata?.name}@${o.metadata?.resourceVersion}`));
  t.after(() => informer.stop());
  informer.start();
  await informer.whenSynced;
  while (asked.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(asked, [
    'GET /api/v1/things limit=500 continue=',
    'GET /api/v1/things limit=500 continue=page-2',
    'WATCH /api/v1/things resourceVersion=10 bookmarks=true',
    'GET /api/v1/things limit=500 continue=',
    'WATCH /api/v1/things resourceVersion=20 bookmarks=true',
  ]);
  assert.deepEqual(told, ['add a@1', 'add b@1', 'add c@1', 'add d@11', 'delete b@1', 'delete c@1']);
  assert.deepEqual(
    informer
      .list()
      .map((o) => o.metadata?.name)
      .sort(),
    ['a', 'd'],
  );
});

test('a watch whose connection breaks resumes from the last resourceVersion after a backoff', async (t) => {
  const { connection, asked } = scriptedConnection(
    [page([obj('a', '1')], '10')],
    [[line('MODIFIED', obj('a', '12')), reset], [line('ADDED', obj('b', '13'))]],
  );
  const warnings: string[] = [];
  const informer = new ResilientInformer<KubernetesObject>({
    name: 'things',
    connection,
    path: '/api/v1/things',
    logger: createLogger({
      component: 'test',
      level: 'warn',
      destination: { write: (l: string) => void warnings.push(JSON.parse(l).err) },
    }),
    backoff: { initialMs: 10, maxMs: 10 },
  });
  t.after(() => informer.stop());
  informer.start();
  while (!informer.get('b', 'default')) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(asked, [
    'GET /api/v1/things limit=500 continue=',
    'WATCH /api/v1/things resourceVersion=10 bookmarks=true',
    'WATCH /api/v1/things resourceVersion=12 bookmarks=true',
  ]);
  assert.deepEqual(warnings, ['aborted']);
});
