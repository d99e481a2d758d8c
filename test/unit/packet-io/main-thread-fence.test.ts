// The guard against answering for a stalled thread, on timelines: one fence, beaten as the failure
// detector's ticks beat it and checked as a packet would check it, on a clock the test moves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTiming, timingProfiles } from '../../../speaker/membership/timing.ts';
import { MainThreadFence } from '../../../speaker/packet-io/main-thread-fence.ts';

const { beatIntervalMs, fenceAfterMs } = defaultTiming;

function timeline(startMs = 0) {
  let nowMs = startMs;
  const fence = new MainThreadFence(fenceAfterMs, () => BigInt(nowMs) * 1_000_000n);
  return {
    fence,
    at: (ms: number) => {
      nowMs = ms;
    },
  };
}

test('steady beats never fence; a silence longer than the limit does, reported once', () => {
  const { fence, at } = timeline();
  for (let t = 0; t <= 5000; t += 10) {
    at(t);
    if (t % beatIntervalMs === 0) assert.equal(fence.beat(), 'open', `beat at t=${t}`);
    assert.equal(fence.check(), 'open', `t=${t}`);
  }
  at(5000 + fenceAfterMs);
  assert.equal(fence.check(), 'open', 'exactly the limit is still fine');
  at(5001 + fenceAfterMs);
  assert.equal(fence.check(), 'newly-fenced', 'past it: fenced');
  assert.equal(fence.check(), 'fenced', 'reported once');
  assert.equal(fence.beat(), 'fenced', 'the beat does not report it a second time');
  assert.equal(fence.fenced, true);
});

test('a stall no packet looked at is caught by the first beat after it, before any answer', () => {
  const { fence, at } = timeline();
  at(100);
  fence.beat();
  at(3100);
  assert.equal(fence.beat(), 'newly-fenced', 'the beat after 3 s of silence fences');
  assert.equal(fence.check(), 'fenced', 'the fresh beat does not open the fence by itself');
});

test('beats coming back do not unfence by themselves; a resume does, but not while still silent', () => {
  const { fence, at } = timeline();
  at(1000);
  assert.equal(fence.check(), 'newly-fenced');
  assert.equal(fence.resume(), false, 'the beat is still missing');
  at(1100);
  fence.beat();
  assert.equal(fence.check(), 'fenced', 'the thread is back but has not said it still leads');
  at(1150);
  assert.equal(fence.resume(), true);
  assert.equal(fence.check(), 'open');
});

test('the time before the fence was made is no stall', () => {
  const { fence, at } = timeline(5000);
  assert.equal(fence.check(), 'open');
  at(5100);
  assert.equal(fence.beat(), 'open');
});

test('in every timing profile the fence engages before the peers can declare the node dead', () => {
  // A probe sent just as the stall begins goes unanswered: suspect after probeTimeout, dead after the
  // suspicion timeout. The answering fences at most fenceAfterMs into the stall; a beat more is margin.
  for (const [name, t] of Object.entries(timingProfiles)) {
    const earliestDeath = t.probeTimeoutMs + t.suspicionTimeoutMs;
    assert.ok(
      t.fenceAfterMs + t.beatIntervalMs < earliestDeath,
      `${name}: ${t.fenceAfterMs}+${t.beatIntervalMs} < ${earliestDeath}`,
    );
  }
});
