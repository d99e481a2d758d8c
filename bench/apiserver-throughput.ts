// Lab API server figures: ConfigMap creates per second over keep-alive HTTP (in memory and with
// --data-dir, where every write is fsynced), and watch fan-out latency from a write to each of
// 100 watchers receiving it. Runs the server as a separate process so load and server do not share
// an event loop. --quick does fewer writes and watchers. Figures, not assertions.
// Run: node_modules/.bin/node bench/apiserver-throughput.ts [--quick] [--json FILE]

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { benchArgs, report } from './lib/figures.ts';

const args = benchArgs();
const repo = path.resolve(import.meta.dirname, '..');
const maxWrites = args.quick ? 1000 : 5000;
const maxWriteSeconds = args.quick ? 4 : 20;
const concurrency = 16;
const watchers = args.quick ? 50 : 100;
const fanOutWrites = args.quick ? 50 : 200;

async function startServer(dataDir?: string): Promise<{ child: ChildProcess; url: string }> {
  const args = ['apiserver', '--listen', '127.0.0.1:0', ...(dataDir ? ['--data-dir', dataDir] : [])];
  const child = spawn(path.join(repo, 'bin/baremetal-lb'), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(http:\/\/\S+)$/m.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`apiserver exited with ${code}`)));
  });
  return { child, url };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function post(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function measureWrites(
  url: string,
  prefix: string,
): Promise<{ writes: number; seconds: number; perSecond: number; failures: number }> {
  const target = `${url}/api/v1/namespaces/default/configmaps`;
  const deadline = performance.now() + maxWriteSeconds * 1000;
  const started = performance.now();
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < maxWrites && performance.now() < deadline) {
      const i = next++;
      const status = await post(target, { metadata: { name: `${prefix}-${i}` }, data: { index: String(i) } });
      if (status !== 201) failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { writes: next, seconds: round(seconds), perSecond: round(next / seconds), failures };
}

async function measureFanOut(
  url: string,
): Promise<{ watchers: number; writes: number; p50Ms: number; p99Ms: number; maxMs: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  const namespacePath = `${url}/api/v1/namespaces/default/configmaps?watch=true&labelSelector=fanout%3Dyes`;
  const requests: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: watchers },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(namespacePath, (res) => {
            let buffer = '';
            res.on('data', (chunk: Buffer) => {
              const now = performance.now();
              buffer += chunk.toString();
              let newline = buffer.indexOf('\n');
              while (newline >= 0) {
                const event = JSON.parse(buffer.slice(0, newline)) as {
                  object: { metadata: { name: string } };
                };
                const start = sentAt.get(event.object.metadata.name);
                if (start !== undefined) latencies.push(now - start);
                received++;
                buffer = buffer.slice(newline + 1);
                newline = buffer.indexOf('\n');
              }
            });
            resolve();
          });
          req.on('error', reject);
          requests.push(req);
        }),
    ),
  );
  const target = `${url}/api/v1/namespaces/default/configmaps`;
  for (let i = 0; i < fanOutWrites; i++) {
    const name = `fanout-${i}`;
    sentAt.set(name, performance.now());
    await post(target, { metadata: { name, labels: { fanout: 'yes' } } });
    const expected = (i + 1) * watchers;
    const deadline = performance.now() + 5000;
    while (received < expected && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  }
  for (const req of requests) req.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN);
  return { watchers, writes: fanOutWrites, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

const round = (n: number) => Math.round(n * 100) / 100;

const memory = await startServer();
let summary: {
  memoryWrites: Awaited<ReturnType<typeof measureWrites>>;
  durableWrites: Awaited<ReturnType<typeof measureWrites>>;
  fanOut: Awaited<ReturnType<typeof measureFanOut>>;
  concurrency: number;
  cpus: number;
};
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'apiserver-bench-'));
try {
  const memoryWrites = await measureWrites(memory.url, 'mem');
  const fanOut = await measureFanOut(memory.url);
  await stop(memory.child);
  const durable = await startServer(dataDir);
  try {
    const durableWrites = await measureWrites(durable.url, 'disk');
    summary = { memoryWrites, durableWrites, fanOut, concurrency, cpus: os.cpus().length };
  } finally {
    await stop(durable.child);
  }
} finally {
  if (memory.child.exitCode === null) await stop(memory.child);
  await fs.rm(dataDir, { recursive: true, force: true });
  agent.destroy();
}
const { memoryWrites, durableWrites, fanOut } = summary;
const writesReference = (how: string, w: typeof memoryWrites) =>
  `ConfigMap creates per second to the lab API server (${how}) over keep-alive HTTP, ${concurrency} in flight, ` +
  `${w.writes} writes in ${w.seconds} s${w.failures ? `, ${w.failures} not 201` : ''}`;
const fanOutReference = (p: string) =>
  `${p} from sending a ConfigMap create to each of ${watchers} watchers receiving its event, ${fanOut.writes} writes one at a time; max ${fanOut.maxMs} ms`;
report(args, {
  bench: 'apiserver-throughput',
  quick: args.quick,
  figures: {
    apiserver_writes_per_s: {
      value: memoryWrites.perSecond,
      unit: 'writes/s',
      reference: writesReference('in memory', memoryWrites),
      samples: memoryWrites.writes,
    },
    apiserver_durable_writes_per_s: {
      value: durableWrites.perSecond,
      unit: 'writes/s',
      reference: writesReference('--data-dir, fsync per write', durableWrites),
      samples: durableWrites.writes,
    },
    apiserver_watch_p50_ms: {
      value: fanOut.p50Ms,
      unit: 'ms',
      reference: fanOutReference('median'),
      samples: fanOut.writes * watchers,
    },
    apiserver_watch_p99_ms: {
      value: fanOut.p99Ms,
      unit: 'ms',
      reference: fanOutReference('p99'),
      samples: fanOut.writes * watchers,
    },
  },
  details: summary,
});
