// processTree finds a process's descendants from /proc, which a signal to the process group misses
// when a child starts a session of its own (keepalived's VRRP child).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { isAlive, processTree } from '../../../lab/processes.ts';

test('processTree holds the root and a grandchild in its own session, and killing it ends them all', async () => {
  // sh → setsid sleep: the sleep leaves sh's process group and session.
  const root = spawn('sh', ['-c', 'setsid sleep 30 & wait'], { stdio: 'ignore' });
  const rootPid = root.pid!;
  let tree: number[] = [];
  for (let i = 0; i < 50 && tree.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 20));
    tree = processTree(rootPid);
  }
  try {
    assert.equal(tree[0], rootPid);
    assert.ok(tree.length >= 2, `a descendant was found: ${tree.join(', ')}`);
  } finally {
    for (const pid of tree) process.kill(pid, 'SIGKILL');
  }
  await new Promise((r) => root.once('exit', r));
  for (const pid of tree.slice(1)) {
    for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(isAlive(pid), false, `descendant ${pid} ended`);
  }
});
