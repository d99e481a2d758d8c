// A stall long enough to fence the answering but too short for the peers to declare the
// node dead: nobody takes over, and the gratuitous frames due meanwhile were never sent. A client
// whose TCP keeps confirming a MAC never asks for the address again, so once answering resumes the
// leader announces again what it leads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { electLeader } from '../../../speaker/election/elect-leader.ts';
import { defaultTiming } from '../../../speaker/membership/timing.ts';
import { series } from './prometheus-text.ts';
import { type SpeakerLab, startElectedSpeakerLab, vip4, waitFor } from './speaker-lab.ts';

let lab: SpeakerLab;
/** Past the fence (300 ms), short of the earliest death (probe timeout + suspicion, 550 ms). */
const stallMs = 450;

before(async () => {
  assert.ok(stallMs > defaultTiming.fenceAfterMs);
  assert.ok(stallMs < defaultTiming.probeTimeoutMs + defaultTiming.suspicionTimeoutMs);
  lab = await startElectedSpeakerLab(`sfr${process.pid.toString(36)}`, [
    '--debug-stall-on-sigusr2',
    String(stallMs),
  ]);
});
after(async () => {
  await lab?.close();
});

async function gratuitousSent(node: string): Promise<number> {
  const metrics = await lab.speakerHttp(node, '/metrics');
  return series(metrics, 'metallb_layer2_gratuitous_sent').find((s) => s.labels.ip === vip4)?.value ?? 0;
}

/** The gratuitous count once it stands still (a takeover's burst lasts 5 s). */
async function burstEnded(node: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  let last = await gratuitousSent(node);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1500));
    const now = await gratuitousSent(node);
    if (now > 0 && now === last) return now;
    assert.ok(Date.now() < deadline, `${node}'s gratuitous count still moving: ${now}`);
    last = now;
  }
}

test(`a ${stallMs} ms stall fences the leader, and it announces again once it answers again`, async (t) => {
  const leader = electLeader(vip4, lab.names)!;
  const settled = await burstEnded(leader);
  const stalledAt = Date.now();
  lab.speakers.get(leader)!.kill('SIGUSR2');
  await waitFor(`${leader} to answer again after the stall`, 10_000, () =>
    lab.logTime(leader, 'answering ARP/NDP again after the stall', stalledAt),
  );
  const resent = await waitFor(`${leader} to send gratuitous frames again`, 10_000, async () => {
    const sent = await gratuitousSent(leader);
    return sent > settled ? sent : undefined;
  });
  t.diagnostic(`gratuitous frames for ${vip4}: ${settled} before the stall, ${resent} after`);
  // Else the new frames could be a takeover's, and the test would prove nothing.
  for (const peer of lab.names.filter((name) => name !== leader)) {
    assert.equal(await lab.logTime(peer, 'announcing', stalledAt), undefined, `${peer} took the VIP over`);
  }
  assert.deepEqual([...(await lab.arpingMacs(vip4, 1))], [lab.host(leader).mac]);
});
