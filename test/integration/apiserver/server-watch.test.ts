// Watch semantics over raw HTTP: initial events, resume, 410 Expired, selectors, bookmarks,
// timeouts and Table events.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { type ApiServer, startApiServer } from '../../../lab/apiserver/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected loosely in assertions
type Loose = Record<string, any>;

interface WatchEvent {
  type: string;
  object: Loose;
}

let server: ApiServer;
before(async () => {
  server = await startApiServer({ watchHistory: 20, bookmarkIntervalMs: 50 });
});
after(() => server.close());

const configMaps = '/api/v1/namespaces/default/configmaps';

class Watch {
  readonly events: WatchEvent[] = [];
  ended = false;
  private readonly request: http.ClientRequest;

  constructor(path: string, headers: Record<string, string> = {}) {
    this.request = http.get(`${server.url}${path}`, { headers }, (res) => {
      assert.equal(res.headers['content-type'], 'application/json');
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          this.events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
        }
      });
      res.on('end', () => {
        this.ended = true;
      });
    });
    this.request.on('error', () => {
      this.ended = true;
    });
  }

  async until(what: string, predicate: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!predicate()) {
      if (Date.now() > deadline)
        assert.fail(`timed out waiting for ${what}; events: ${JSON.stringify(this.summary())}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  summary(): string[] {
    return this.events.map((e) => `${e.type} ${e.object.metadata?.name ?? e.object.kind}`);
  }

  close(): void {
    this.request.destroy();
  }
}

async function send(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Loose> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Loose;
}

test('resourceVersion 0 sends ADDED for what exists, then live changes', async (t) => {
  await send('POST', configMaps, { metadata: { name: 'existing' } });
  const watch = new Watch(`${configMaps}?watch=true&resourceVersion=0`);
  t.after(() => watch.close());
  await watch.until('initial ADDED', () => watch.events.length === 1);
  await send('POST', configMaps, { metadata: { name: 'live' } });
  await send('DELETE', `${configMaps}/existing`);
  await watch.until('live events', () => watch.events.length === 3);
  assert.deepEqual(watch.summary(), ['ADDED existing', 'ADDED live', 'DELETED existing']);
});

test('a resourceVersion inside the history replays what came after it', async (t) => {
  const first = await send('POST', configMaps, { metadata: { name: 'resume-a' } });
  await send('POST', configMaps, { metadata: { name: 'resume-b' } });
  const watch = new Watch(`${configMaps}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
  t.after(() => watch.close());
  await watch.until('replay', () => watch.events.length === 1);
  assert.deepEqual(watch.summary(), ['ADDED resume-b']);
});

test('a resourceVersion older than the history gets a 410 ERROR event and the stream ends', async () => {
  const old = await send('POST', configMaps, { metadata: { name: 'old-mark' } });
  // The history keeps between 20 and 40 changes (it is trimmed in batches).
  for (let i = 0; i < 45; i++) await send('POST', configMaps, { metadata: { name: `churn-${i}` } });
  const watch = new Watch(`${configMaps}?watch=true&resourceVersion=${old.metadata.resourceVersion}`);
  await watch.until('the stream end', () => watch.ended);
  assert.equal(watch.events.length, 1);
  assert.equal(watch.events[0]?.type, 'ERROR');
  assert.equal(watch.events[0]?.object.kind, 'Status');
  assert.equal(watch.events[0]?.object.code, 410);
  assert.equal(watch.events[0]?.object.reason, 'Expired');
});

test('with a label selector, an object that stops matching is DELETED for the watcher', async (t) => {
  const created = await send('POST', configMaps, {
    metadata: { name: 'labelled', labels: { tier: 'front' } },
  });
  const watch = new Watch(
    `${configMaps}?watch=true&labelSelector=tier%3Dfront&resourceVersion=${Number(created.metadata.resourceVersion) - 1}`,
  );
  t.after(() => watch.close());
  await send(
    'PATCH',
    `${configMaps}/labelled`,
    { metadata: { labels: { tier: 'back' } } },
    'application/merge-patch+json',
  );
  await send(
    'PATCH',
    `${configMaps}/labelled`,
    { metadata: { labels: { tier: 'front' } } },
    'application/merge-patch+json',
  );
  await send('POST', configMaps, { metadata: { name: 'unlabelled' } });
  await watch.until('three events', () => watch.events.length === 3);
  assert.deepEqual(watch.summary(), ['ADDED labelled', 'DELETED labelled', 'ADDED labelled']);
});

test('field selectors filter watches', async (t) => {
  const watch = new Watch(`${configMaps}?watch=true&fieldSelector=metadata.name%3Dpicked`);
  t.after(() => watch.close());
  await send('POST', configMaps, { metadata: { name: 'ignored' } });
  await send('POST', configMaps, { metadata: { name: 'picked' } });
  await watch.until('picked', () => watch.events.length === 1);
  assert.deepEqual(watch.summary(), ['ADDED picked']);
});

test('allowWatchBookmarks brings BOOKMARK events with the current resourceVersion', async (t) => {
  const watch = new Watch(
    `/api/v1/namespaces?watch=true&allowWatchBookmarks=true&resourceVersion=${(await send('GET', '/api/v1/namespaces')).metadata.resourceVersion}`,
  );
  t.after(() => watch.close());
  await watch.until('a bookmark', () => watch.events.some((e) => e.type === 'BOOKMARK'));
  const bookmark = watch.events.find((e) => e.type === 'BOOKMARK')!;
  assert.equal(bookmark.object.kind, 'Namespace');
  assert.match(bookmark.object.metadata.resourceVersion, /^\d+$/);
});

test('timeoutSeconds ends the stream', async () => {
  const watch = new Watch(`${configMaps}?watch=true&timeoutSeconds=1&resourceVersion=0`);
  await watch.until('the stream end', () => watch.ended);
});

test('a Table watch sends one-row Tables', async (t) => {
  const rv = (await send('GET', configMaps)).metadata.resourceVersion;
  const watch = new Watch(`${configMaps}?watch=true&resourceVersion=${rv}`, {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
  });
  t.after(() => watch.close());
  await send('POST', configMaps, { metadata: { name: 'tabled' } });
  await watch.until('a table event', () => watch.events.length === 1);
  const table = watch.events[0]!.object;
  assert.equal(table.kind, 'Table');
  assert.equal(table.rows.length, 1);
  assert.equal(table.rows[0].cells[0], 'tabled');
});

test('close() ends open watches', async () => {
  const own = await startApiServer();
  const watch = new Watch(`${configMaps}?watch=true`);
  watch.close();
  const response = await new Promise<http.IncomingMessage>((resolve) =>
    http.get(`${own.url}${configMaps}?watch=true`, resolve),
  );
  const ended = new Promise<void>((resolve) => {
    response.on('close', resolve);
    response.resume();
  });
  await own.close();
  await ended;
});
