// A stalled main thread must not split the brain. The leader's main thread is blocked (SIGUSR2 with
// --debug-stall-on-sigusr2, as a long GC pause would): its peers declare it dead and take the VIP
// over, while the ARP requests of the stall pile up in its packet sockets. When the thread comes
// back it must not answer them, nor anything else, until it has learnt it no longer leads. A client
// asks who has the VIP every 10 ms throughout and counts the MACs answering each request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { electLeader } from '../../../speaker/election/elect-leader.ts';
import { answerRuns, watchArp } from './client-arp-watch.ts';
import { type SpeakerLab, startElectedSpeakerLab, vip4, waitFor } from './speaker-lab.ts';

let lab: SpeakerLab;
const stallMs = 3000;

before(async () => {
  lab = await startElectedSpeakerLab(`sst${process.pid.toString(36)}`, [
    '--debug-stall-on-sigusr2',
    String(stallMs),
  ]);
});
after(async () => {
  await lab?.close();
});

test(`a ${stallMs} ms stall of the leader's main thread: the VIP moves, and never do two MACs answer`, async (t) => {
  const leader = electLeader(vip4, lab.names)!;
  const leaderMac = lab.host(leader).mac;
  await waitFor(`${leader} to answer alone`, 20_000, async () => {
    const macs = await lab.arpingMacs(vip4, 1);
    return macs.size === 1 && macs.has(leaderMac) ? true : undefined;
  });
  const watching = watchArp(lab, vip4, stallMs + 3000);
  await new Promise((r) => setTimeout(r, 500));
  lab.speakers.get(leader)!.kill('SIGUSR2');
  const result = await watching;
  t.diagnostic(
    `${result.requests} requests, ${result.answered} answered; answers by MAC ${JSON.stringify(result.byMac)}; in turn: ${answerRuns(result)}`,
  );
  assert.equal(result.answeredByTwo, 0, 'no request was answered by two MACs');
  const others = Object.keys(result.byMac).filter((mac) => mac !== leaderMac);
  assert.ok(others.length > 0, 'the peers took the VIP over during the stall (else the test proved nothing)');
});
