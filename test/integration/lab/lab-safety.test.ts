// `lab up` and `lab down` destroy only what a lab made: a folder holding a user's file is refused and
// left intact, a user's file beside a lab's files survives `lab down`, and no process is signalled
// because its command line mentions the lab's folder or because it got a PID the lab once recorded.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { foreignEntries, labDown } from '../../../lab/lab-down.ts';
import { type LabState, labPaths, writeState } from '../../../lab/lab-state.ts';
import { labUp } from '../../../lab/lab-up.ts';
import { isAlive, processStartTicks } from '../../../lab/processes.ts';

const repoRoot = join(import.meta.dirname, '../../..');
const prefix = `safe${process.pid}`.slice(0, 12);
let root = '';
const bystanders: ChildProcess[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lab-safety-'));
});

after(async () => {
  for (const child of bystanders) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** A process of the user's whose command line happens to name `dir`. */
function bystander(dir: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', dir], { stdio: 'ignore' });
  bystanders.push(child);
  return child;
}

function stateWith(processes: LabState['processes']): LabState {
  return {
    prefix,
    kubeconfig: '',
    apiserver: { url: '', port: 0 },
    client: { netns: `${prefix}-client`, interface: 'eth0', ipv4: '', ipv6: '' },
    nodes: [
      {
        netns: `${prefix}-node-1`,
        interface: 'eth0',
        ipv4: '',
        ipv6: '',
        name: 'node-1',
        mac: '',
        speakerPid: null,
      },
    ],
    ingress: { namespace: '', service: '', ipv4: null, ipv6: null },
    processes,
  };
}

test('lab up refuses a folder with a user’s file and no lab, and leaves it as it was', async () => {
  const dir = join(root, 'notes');
  await mkdir(dir);
  await writeFile(join(dir, 'notes.md'), 'mine\n');
  await assert.rejects(
    labUp({ paths: labPaths(dir), prefix, nodes: 1, repoRoot }),
    /holds files \(notes\.md\) and no lab \(no state\.json\): it is left untouched/,
  );
  assert.deepEqual(await readdir(dir), ['notes.md']);
  assert.equal(await readFile(join(dir, 'notes.md'), 'utf8'), 'mine\n');
});

test('lab down refuses the same folder, and signals no process that merely names it', async () => {
  const dir = join(root, 'not-a-lab');
  await mkdir(dir);
  await writeFile(join(dir, 'notes.md'), 'mine\n');
  const child = bystander(dir);
  await assert.rejects(labDown(labPaths(dir), prefix), /no lab \(no state\.json\)/);
  assert.deepEqual(await readdir(dir), ['notes.md']);
  assert.ok(child.pid && isAlive(child.pid), 'the process naming the folder still runs');
});

test('lab down removes the lab’s files, keeps a user’s file beside them, and ends only its own processes', async () => {
  const dir = join(root, 'lab');
  const paths = labPaths(dir);
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'node-1'));
  await writeFile(join(dir, 'node-1', 'nginx.conf'), '');
  await writeFile(paths.kubeconfig, '');
  await writeFile(join(dir, 'notes.md'), 'mine\n');
  const own = bystander('lab-own');
  const mentioning = bystander(dir);
  // A record whose PID is alive but belongs to another process: it started at another time.
  const reused = bystander('reused');
  await writeState(
    paths,
    stateWith([
      { name: 'own', pid: own.pid!, startTicks: processStartTicks(own.pid!)!, command: process.execPath },
      { name: 'gone', pid: reused.pid!, startTicks: processStartTicks(reused.pid!)! - 1, command: 'speaker' },
    ]),
  );
  const result = await labDown(paths, prefix);
  assert.deepEqual(result.keptFiles, ['notes.md']);
  assert.deepEqual(await readdir(dir), ['notes.md']);
  assert.equal(result.processes, 1);
  assert.ok(!isAlive(own.pid!), 'its own process ended');
  assert.ok(isAlive(mentioning.pid!), 'a process naming the folder is not the lab’s');
  assert.ok(isAlive(reused.pid!), 'a PID recorded with another start time is not the lab’s');
});

test('lab down of a lab with nothing foreign removes the folder too', async () => {
  const dir = join(root, 'whole');
  const paths = labPaths(dir);
  await mkdir(join(dir, 'logs'), { recursive: true });
  await writeState(paths, stateWith([]));
  assert.deepEqual((await labDown(paths, prefix)).keptFiles, []);
  await assert.rejects(readdir(dir), /ENOENT/);
});

test('only the names a lab writes count as its own', () => {
  assert.deepEqual(
    foreignEntries(['state.json', 'logs', 'node-1', 'node-2', 'notes.md', 'control-plane'], stateWith([])),
    ['node-2', 'notes.md'],
  );
});
