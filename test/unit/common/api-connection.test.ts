// The thin client against a loopback HTTP server: what it sends (method, path, query, media type,
// token), what a failure carries (status and the server's Status text), and a watch stream that
// the caller ends.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiConnection, mergePatch } from '../../../common/kube/api-connection.ts';
import { describeApiError, isNotFound } from '../../../common/kube/api-errors.ts';

interface Seen {
  method?: string;
  url?: string;
  type?: string;
  auth?: string;
  body: string;
}

async function loopbackServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const { method, url } = req;
      seen.push({ method, url, type: req.headers['content-type'], auth: req.headers.authorization, body });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const connection = new ApiConnection({
    server: `http://127.0.0.1:${port}`,
    insecureSkipTlsVerify: false,
    token: () => 'sekret',
  });
  const close = async () => {
    connection.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { seen, connection, close };
}

test('a patch is sent as what it says, with the token, and its JSON answer comes back', async (t) => {
  const { seen, connection, close } = await loopbackServer((_req, res) => res.end('{"ok":true}'));
  t.after(close);
  const answer = await connection.request('PATCH', '/api/v1/namespaces/a/events/e', {
    query: { fieldManager: 'x', dryRun: undefined },
    body: { count: 2 },
    contentType: mergePatch,
  });
  assert.deepEqual(answer, { ok: true });
  assert.deepEqual(seen, [
    {
      method: 'PATCH',
      url: '/api/v1/namespaces/a/events/e?fieldManager=x',
      type: mergePatch,
      auth: 'Bearer sekret',
      body: '{"count":2}',
    },
  ]);
});

test("a failure carries the status and the server's Status message", async (t) => {
  const status = { kind: 'Status', code: 404, message: 'leases "x" not found' };
  const { connection, close } = await loopbackServer((_req, res) => {
    res.statusCode = 404;
    res.end(JSON.stringify(status));
  });
  t.after(close);
  const failure = await connection.request('GET', '/x').catch((error: unknown) => error);
  assert.ok(isNotFound(failure));
  assert.equal(describeApiError(failure), 'HTTP 404: leases "x" not found');
});

test('a watch streams until the caller aborts it; a refused one rejects with the status', async (t) => {
  const { connection, close } = await loopbackServer((req, res) => {
    if (req.url?.startsWith('/forbidden')) {
      res.statusCode = 403;
      res.end('{"message":"no"}');
      return;
    }
    res.write('{"type":"ADDED","object":{}}\n');
  });
  t.after(close);
  const abort = new AbortController();
  const response = await connection.stream('/watched', { watch: true }, abort.signal);
  const first = await new Promise<string>((resolve) =>
    response.once('data', (chunk) => resolve(String(chunk))),
  );
  assert.equal(first, '{"type":"ADDED","object":{}}\n');
  abort.abort();
  await new Promise((resolve) => response.once('close', resolve));
  const refused = await connection
    .stream('/forbidden', {}, new AbortController().signal)
    .catch((e: unknown) => e);
  assert.equal(describeApiError(refused), 'HTTP 403: no');
});
