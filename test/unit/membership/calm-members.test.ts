// The failure detector told which nodes announce (setFailoverCritical): the others are probed every
// calmProbeRounds rounds. An announcer's crash must be detected as fast as when every member is
// probed every round; the datagrams of an idle cluster fall; nothing is declared dead by mistake.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FailureDetector } from '../../../speaker/membership/failure-detector.ts';
import { agreementTime, Simulation } from './simulation.ts';

/** n nodes that found each other; `announcers` set on every one unless undefined. */
function running(nodes: number, seed: number, announcers?: string[], loss = 0): Simulation {
  const sim = new Simulation({ nodes, seed, loss });
  assert.notEqual(sim.runUntilAgreed(3000), undefined, `seed ${seed}: no agreement at start`);
  if (announcers) sim.setFailoverCritical(announcers);
  sim.run(500 + (seed % 100));
  return sim;
}

/** Kill-to-agreement times of `victim` over 60 seeds, sorted. */
function crashTimes(nodes: number, victim: string, announcers?: string[]): number[] {
  const times: number[] = [];
  for (let seed = 1; seed <= 60; seed++) {
    const sim = running(nodes, seed * 100 + nodes, announcers);
    const killedAt = sim.now;
    sim.kill(victim);
    sim.run(3000);
    assert.deepEqual(sim.falseAlarms(), [], `seed ${seed}`);
    times.push(agreementTime(sim, victim, killedAt) ?? Number.POSITIVE_INFINITY);
  }
  return times.sort((a, b) => a - b);
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
const mean = (xs: readonly number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);

describe('calm members', () => {
  for (const nodes of [3, 10, 30]) {
    test(`${nodes} idle nodes, one announcing: under half the datagrams of probing everyone every round`, () => {
      const perNodePerSecond = (announcers?: string[]) => {
        const sim = running(nodes, 7, announcers);
        const before = { datagrams: sim.datagrams, ticks: sim.ticks };
        sim.run(10_000);
        return {
          datagrams: (sim.datagrams - before.datagrams) / nodes / 10,
          ticks: (sim.ticks - before.ticks) / nodes / 10,
        };
      };
      const everyone = perNodePerSecond();
      const calm = perNodePerSecond(['node-0']);
      assert.ok(
        calm.datagrams < everyone.datagrams / 2,
        `${calm.datagrams} vs ${everyone.datagrams} per node per second`,
      );
      // The stall fence's beat (beatIntervalMs, 100 ms) still wakes every node ten times a second.
      assert.ok(calm.ticks >= 10 && calm.ticks < everyone.ticks, `${calm.ticks} vs ${everyone.ticks} ticks`);
    });
  }

  for (const nodes of [3, 6, 10]) {
    test(`${nodes} nodes: an announcer's crash is agreed on as fast as with every member critical`, () => {
      const calm = crashTimes(nodes, 'node-1', ['node-1']);
      const everyone = crashTimes(nodes, 'node-1');
      // Same probes of the announcer, drawn differently: the medians and means agree to within noise.
      const [c, e] = [quantile(calm, 0.5), quantile(everyone, 0.5)];
      assert.ok(c <= e + 25, `median: ${c} ms calm vs ${e} ms probing everyone every round`);
      const [cm, em] = [mean(calm), mean(everyone)];
      assert.ok(cm <= em + 25, `mean: ${cm} ms calm vs ${em} ms probing everyone every round`);
      assert.ok(quantile(calm, 1) <= 1000, `slowest: ${quantile(calm, 1)} ms`);
    });
  }

  test("a calm node's crash is still agreed on, within 1.5 s", () => {
    for (const nodes of [3, 10]) {
      const times = crashTimes(nodes, 'node-1', ['node-0']);
      assert.ok(quantile(times, 1) <= 1500, `${nodes} nodes: ${times.join(', ')} ms`);
    }
  });

  test('20 % loss for 60 simulated seconds, 10 nodes, two announcing: nobody is declared dead', () => {
    for (const seed of [1, 2, 3]) {
      const sim = running(10, seed, ['node-0', 'node-5'], 0.2);
      sim.run(60_000);
      assert.deepEqual(sim.falseAlarms(), [], `seed ${seed}`);
      assert.ok(sim.agree(sim.upNodes()), `seed ${seed}: views differ at the end`);
    }
  });

  test('after a 3 s partition heals, all agree within 50 ms, as when every member is critical', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const nodes = 3 + (seed % 5);
      const sim = running(nodes, seed, ['node-0']);
      const cut = sim.names.slice(0, Math.floor(nodes / 2));
      sim.partition(cut, sim.names.slice(cut.length));
      sim.run(3000);
      sim.heal();
      const healed = sim.runUntilAgreed(2000);
      assert.ok(healed !== undefined && healed <= 50, `seed ${seed}: agreed ${healed} ms after healing`);
    }
  });

  test('a node that starts announcing is probed in the next slot, not after its calm turns', () => {
    const detector = new FailureDetector({ self: 'a', nowMs: 0, random: () => 0.99 });
    detector.setPeers(new Map(['b', 'c'].map((n, i) => [n, { address: `192.0.2.${i + 2}`, port: 7946 }])));
    for (const from of ['b', 'c']) detector.receive({ kind: 'gossip', from, incarnation: 1, updates: [] }, 0);
    detector.setFailoverCritical(new Set(), 0);
    const pingsTo = (target: string, fromMs: number, toMs: number) => {
      let pings = 0;
      for (let t = fromMs; t < toMs; t++) {
        if (t < detector.dueAt) continue;
        for (const o of detector.tick(t)) {
          if (o.to === target && o.message.kind === 'ping') pings++;
          if (o.message.kind === 'ping')
            detector.receive({ kind: 'ack', seq: o.message.seq, from: o.to, incarnation: 1, updates: [] }, t);
        }
      }
      return pings;
    };
    const calmPings = pingsTo('b', 0, 2000);
    assert.ok(
      calmPings >= 3 && calmPings <= 5,
      `${calmPings} pings to b in 2 s while calm (a round is 100 ms)`,
    );
    detector.setFailoverCritical(new Set(['b']), 2000);
    assert.ok(detector.dueAt <= 2050, `next tick at ${detector.dueAt}`);
    assert.ok(pingsTo('b', 2000, 2101) >= 1, 'b pinged within one round of becoming critical');
    assert.ok(pingsTo('b', 2101, 4101) >= 19, 'then every round');
  });
});
