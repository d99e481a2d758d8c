// The real control plane's start when something is wrong: a port someone else holds, a component
// that exits early, a build that fails. Each is one error naming the component and its log.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findGo } from '../../lab/kube/binaries.ts';
import { ensureKubeBinaries, KubeBuildError } from '../../lab/kube/build.ts';
import { startDetachedControlPlane } from '../../lab/kube/start-real.ts';
import { stopAll } from '../../lab/processes.ts';
import { freeLoopbackPort } from '../../lab/wait.ts';

const noGo = findGo() ? false : 'no Go toolchain on this machine';
let dir = '';
let squatter: Server;
const squatterSockets = new Set<Socket>();
let busyPort = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'real-faults-'));
  // It accepts and never answers: the readiness probes that reach it must be cut, or close() waits forever.
  squatter = createServer((socket) => {
    squatterSockets.add(socket);
    socket.on('close', () => squatterSockets.delete(socket));
  });
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  busyPort = (squatter.address() as { port: number }).port;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const socket of squatterSockets) socket.destroy();
  await new Promise((resolve) => squatter.close(resolve));
});

async function startWith(name: string, ports: { etcdClient: number; etcdPeer: number; apiserver: number }) {
  const logDir = join(dir, name, 'logs');
  const binaries = await ensureKubeBinaries({ log: () => undefined });
  const plane = await startDetachedControlPlane({ dir: join(dir, name), logDir, binaries, ports });
  // Only reached when the start wrongly succeeded: leave nothing running behind the failed test.
  await stopAll(plane.processes.map((p) => p.pid));
  return plane;
}

test('kube-apiserver on a port someone holds: the error names it and shows its log', {
  skip: noGo,
}, async () => {
  const ports = {
    etcdClient: await freeLoopbackPort(),
    etcdPeer: await freeLoopbackPort(),
    apiserver: busyPort,
  };
  await assert.rejects(startWith('busy-apiserver', ports), (error: Error) => {
    assert.match(
      error.message,
      /kube-apiserver \(pid \d+\) exited; the end of .*busy-apiserver\/logs\/kube-apiserver\.log/,
    );
    assert.match(error.message, /address already in use/);
    return true;
  });
});

test('etcd exiting early: the error names etcd and shows its log', { skip: noGo }, async () => {
  const ports = {
    etcdClient: busyPort,
    etcdPeer: await freeLoopbackPort(),
    apiserver: await freeLoopbackPort(),
  };
  await assert.rejects(startWith('busy-etcd', ports), (error: Error) => {
    assert.match(
      error.message,
      /gave up waiting for etcd to be healthy: etcd \(pid \d+\) exited; the end of .*etcd\.log/,
    );
    assert.match(error.message, /address already in use/);
    return true;
  });
});

test('a build that cannot fetch its modules fails with the go command’s own words', {
  skip: noGo,
}, async () => {
  const env = {
    ...process.env,
    BAREMETAL_LB_CACHE: join(dir, 'cache'),
    GOMODCACHE: join(dir, 'empty-module-cache'),
    GOPROXY: 'off',
  };
  await assert.rejects(ensureKubeBinaries({ log: () => undefined, env }), (error: Error) => {
    assert.ok(error instanceof KubeBuildError);
    assert.match(
      error.message,
      /^go build go\.etcd\.io\/etcd\/server\/v3 in kube\/modules\/etcd failed \(exit 1\)/,
    );
    assert.match(error.message, /GOPROXY=off/);
    return true;
  });
});
