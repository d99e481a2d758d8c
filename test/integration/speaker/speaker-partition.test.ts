// A partition heals: the leader's cable is pulled at the switch long enough for the others to take
// its VIP over, then plugged back. The cut-off leader went on answering all along, so until the
// others hear from it two MACs answer. A client asks who has the VIP every 10 ms across the heal;
// this says how long two answered (the figure the issue targets at 50 ms: the failure detector's
// cut-off side pings every 20 ms) and that it ends with one node answering, the old leader, which
// still ranks first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { plug, unplug } from '../../../lab/network/segment.ts';
import { electLeader } from '../../../speaker/election/elect-leader.ts';
import { answerRuns, watchArp } from './client-arp-watch.ts';
import { type SpeakerLab, startElectedSpeakerLab, vip4, waitFor } from './speaker-lab.ts';

let lab: SpeakerLab;

before(async () => {
  lab = await startElectedSpeakerLab(`spt${process.pid.toString(36)}`);
});
after(async () => {
  await lab?.close();
});

test('after a partition heals, two MACs answer only briefly, and the first-ranked node keeps the VIP', async (t) => {
  const leader = electLeader(vip4, lab.names)!;
  const host = lab.host(leader);
  await waitFor(`${leader} to answer alone`, 20_000, async () => {
    const macs = await lab.arpingMacs(vip4, 1);
    return macs.size === 1 && macs.has(host.mac) ? true : undefined;
  });
  await unplug(lab.topology, host);
  try {
    await waitFor('another node to take the VIP over', 10_000, async () => {
      const macs = await lab.arpingMacs(vip4, 1);
      return macs.size === 1 && !macs.has(host.mac) ? true : undefined;
    });
  } catch (error) {
    await plug(lab.topology, host);
    throw error;
  }
  const watching = watchArp(lab, vip4, 2500);
  await new Promise((r) => setTimeout(r, 500));
  await plug(lab.topology, host);
  const result = await watching;
  t.diagnostic(
    `${result.answeredByTwo} of ${result.requests} requests answered by two MACs (one every 10 ms); in turn: ${answerRuns(result)}`,
  );
  assert.equal(result.timeline.at(-1), host.mac, 'the first-ranked node answers alone in the end');
});
