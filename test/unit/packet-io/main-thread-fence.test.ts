// The guard against answering for a stalled main thread, on timelines: two fence objects over one
// shared cell, as the main thread and the worker hold them, on one clock the test moves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTiming, timingProfiles } from '../../../speaker/membership/timing.ts';
import { MainThreadFence } from '../../../speaker/packet-io/main-thread-fence.ts';

const { beatIntervalMs, fenceAfterMs } = defaultTiming;

function threads() {
  let nowMs = 0;
  const now = () => BigInt(nowMs) * 1_000_000n;
  const cell = MainThreadFence.sharedCell();
  const main = new MainThreadFence(cell, fenceAfterMs, now);
  const worker = new MainThreadFence(cell, fenceAfterMs, now);
  main.stamp();
  return {
    main,
    worker,
    at: (ms: number) => {
      nowMs = ms;
    },
  };
}

test('steady beats never fence; a silence longer than the limit does, reported once', () => {
  const { main, worker, at } = threads();
  for (let t = 0; t <= 5000; t += 10) {
    at(t);
    if (t % beatIntervalMs === 0) assert.equal(main.beat(), 'open', `beat at t=${t}`);
    assert.equal(worker.check(), 'open', `t=${t}`);
  }
  at(5000 + fenceAfterMs);
  assert.equal(worker.check(), 'open', 'exactly the limit is still fine');
  at(5001 + fenceAfterMs);
  assert.equal(worker.check(), 'newly-fenced', 'past it: fenced');
  assert.equal(worker.check(), 'fenced', 'reported once');
  assert.equal(main.beat(), 'fenced', 'the main thread does not report it a second time');
  assert.equal(main.fenced, true);
});

test('a stall the worker never looked at is caught by the first beat after it, before any answer', () => {
  const { main, worker, at } = threads();
  at(100);
  main.beat();
  at(3100);
  assert.equal(main.beat(), 'newly-fenced', 'the beat after 3 s of silence fences');
  assert.equal(worker.check(), 'fenced', 'the fresh beat does not open the fence by itself');
});

test('beats coming back do not unfence by themselves; a resume does, but not while still silent', () => {
  const { main, worker, at } = threads();
  at(1000);
  assert.equal(worker.check(), 'newly-fenced');
  assert.equal(main.resume(), false, 'the beat is still missing');
  at(1100);
  main.beat();
  assert.equal(worker.check(), 'fenced', 'the main thread is back but has not said it still leads');
  at(1150);
  assert.equal(main.resume(), true);
  assert.equal(worker.check(), 'open');
});

test('a start stamps without judging: the silence before it is no stall', () => {
  const { main, worker, at } = threads();
  at(5000);
  worker.stamp();
  assert.equal(worker.check(), 'open');
  at(5100);
  assert.equal(main.beat(), 'open');
});

test('in every timing profile the fence engages before the peers can declare the node dead', () => {
  // A probe sent just as the stall begins goes unanswered: suspect after probeTimeout, dead after the
  // suspicion timeout. The worker fences at most fenceAfterMs into the stall; a beat more is margin.
  for (const [name, t] of Object.entries(timingProfiles)) {
    const earliestDeath = t.probeTimeoutMs + t.suspicionTimeoutMs;
    assert.ok(
      t.fenceAfterMs + t.beatIntervalMs < earliestDeath,
      `${name}: ${t.fenceAfterMs}+${t.beatIntervalMs} < ${earliestDeath}`,
    );
  }
});
