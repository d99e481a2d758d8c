// The worker's guard against answering for a stalled main thread, on timelines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTiming, timingProfiles } from '../../../speaker/membership/timing.ts';
import { MainThreadFence } from '../../../speaker/packet-io/main-thread-fence.ts';

const { beatIntervalMs, fenceAfterMs } = defaultTiming;

test('steady beats never fence; a silence longer than the limit does, once', () => {
  const fence = new MainThreadFence(0, fenceAfterMs);
  let beat = 0;
  for (let t = 0; t <= 5000; t += 50) {
    if (t % beatIntervalMs === 0) beat++;
    assert.equal(fence.observe(beat, t), false, `t=${t}`);
  }
  assert.equal(fence.observe(beat, 5000 + fenceAfterMs), false, 'exactly the limit is still fine');
  assert.equal(fence.observe(beat, 5001 + fenceAfterMs), true, 'past it: fenced');
  assert.equal(fence.observe(beat, 6000), false, 'reported once');
  assert.equal(fence.fenced, true);
});

test('beats coming back do not unfence by themselves; a resume does, but not while still silent', () => {
  const fence = new MainThreadFence(0, fenceAfterMs);
  fence.observe(1, 0);
  fence.observe(1, 1000);
  assert.equal(fence.fenced, true);
  assert.equal(fence.resume(1001), false, 'the beat is still missing');
  fence.observe(2, 1100);
  assert.equal(fence.fenced, true, 'the main thread is back but has not said it still leads');
  assert.equal(fence.resume(1150), true);
  assert.equal(fence.fenced, false);
});

test('in every timing profile the fence engages before the peers can declare the node dead', () => {
  // A probe sent just as the stall begins goes unanswered: suspect after probeTimeout, dead after the
  // suspicion timeout. The worker checks every beat interval, so it may see the silence that late.
  for (const [name, t] of Object.entries(timingProfiles)) {
    const earliestDeath = t.probeTimeoutMs + t.suspicionTimeoutMs;
    assert.ok(
      t.fenceAfterMs + t.beatIntervalMs < earliestDeath,
      `${name}: ${t.fenceAfterMs}+${t.beatIntervalMs} < ${earliestDeath}`,
    );
  }
});
