import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeWithConflictRetry } from '../../../common/kube/status-writer.ts';

interface Obj {
  rv: number;
  value: string;
}

const conflict = Object.assign(new Error('conflict'), { code: 409 });

test('on 409 it reads again and recomputes from the fresh object', async () => {
  let stored: Obj = { rv: 1, value: 'old' };
  let failures = 2;
  const reads: number[] = [];
  const result = await writeWithConflictRetry<Obj>({
    initial: { rv: 0, value: 'stale' },
    read: async () => {
      reads.push(stored.rv);
      return stored;
    },
    update: (current) => (current.value === 'new' ? undefined : { ...current, value: 'new' }),
    write: async (next) => {
      if (failures-- > 0 || next.rv !== stored.rv) throw conflict;
      stored = { rv: stored.rv + 1, value: next.value };
      return stored;
    },
  });
  assert.equal(result.written, true);
  assert.equal(result.conflicts, 2);
  assert.deepEqual(stored, { rv: 2, value: 'new' });
  assert.deepEqual(reads, [1, 1]);
});

test('nothing is written when the object is already as wanted', async () => {
  const result = await writeWithConflictRetry<Obj>({
    read: async () => ({ rv: 1, value: 'new' }),
    update: (current) => (current.value === 'new' ? undefined : current),
    write: async () => assert.fail('must not write'),
  });
  assert.equal(result.written, false);
});

test('other errors and too many conflicts are thrown', async () => {
  const boom = Object.assign(new Error('boom'), { code: 500 });
  await assert.rejects(
    writeWithConflictRetry<Obj>({
      read: async () => ({ rv: 1, value: 'x' }),
      update: (c) => c,
      write: async () => {
        throw boom;
      },
    }),
    /boom/,
  );
  let writes = 0;
  await assert.rejects(
    writeWithConflictRetry<Obj>({
      read: async () => ({ rv: 1, value: 'x' }),
      update: (c) => c,
      write: async () => {
        writes++;
        throw conflict;
      },
      attempts: 3,
    }),
    /conflict/,
  );
  assert.equal(writes, 3);
});
