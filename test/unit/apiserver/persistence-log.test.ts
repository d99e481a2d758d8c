import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PersistenceLog } from '../../../lab/apiserver/persistence-log.ts';

const cm = (name: string, rv: number) => ({
  metadata: { name, namespace: 'default', resourceVersion: String(rv) },
  data: { name },
});

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apiserver-log-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('puts and deletes replay; a torn last line is ignored', (t) => {
  const dir = tempDir(t);
  const { log } = PersistenceLog.open(dir);
  log.append({ rv: 1, op: 'put', key: 'configmaps', object: cm('a', 1) });
  log.append({ rv: 2, op: 'put', key: 'configmaps', object: cm('b', 2) });
  log.append({ rv: 3, op: 'delete', key: 'configmaps', object: cm('a', 3) });
  log.close();
  fs.appendFileSync(path.join(dir, 'changes.jsonl'), '{"rv":4,"op":"put","key":"conf');
  const { log: reopened, state } = PersistenceLog.open(dir);
  reopened.close();
  assert.equal(state.rv, 3);
  assert.deepEqual(
    state.objects.map((o) => o.object.metadata.name),
    ['b'],
  );
});

test('compaction folds the log into the snapshot without losing anything', (t) => {
  const dir = tempDir(t);
  const { log } = PersistenceLog.open(dir, 2);
  log.append({ rv: 1, op: 'put', key: 'configmaps', object: cm('a', 1) });
  log.append({ rv: 2, op: 'put', key: 'configmaps', object: cm('b', 2) });
  assert.equal(log.shouldCompact(), true);
  log.compact({
    rv: 2,
    objects: [
      { key: 'configmaps', object: cm('a', 1) },
      { key: 'configmaps', object: cm('b', 2) },
    ],
  });
  assert.equal(log.shouldCompact(), false);
  log.append({ rv: 3, op: 'put', key: 'secrets', object: cm('c', 3) });
  log.close();
  assert.equal(fs.readFileSync(path.join(dir, 'changes.jsonl'), 'utf8').trim().split('\n').length, 1);
  const { log: reopened, state } = PersistenceLog.open(dir);
  reopened.close();
  assert.equal(state.rv, 3);
  assert.deepEqual(state.objects.map((o) => `${o.key}/${o.object.metadata.name}`).sort(), [
    'configmaps/a',
    'configmaps/b',
    'secrets/c',
  ]);
});
