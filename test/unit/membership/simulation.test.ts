// The failure detector among N simulated speakers: seeded loss, delay, crashes, partitions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { agreementTime, Simulation } from './simulation.ts';

/** Starts n nodes and lets them find each other. */
function running(nodes: number, seed: number, loss = 0): Simulation {
  const sim = new Simulation({ nodes, seed, loss });
  const joined = sim.runUntilAgreed(3000);
  assert.notEqual(joined, undefined, `seed ${seed}: ${nodes} nodes did not find each other within 3 s`);
  sim.run(500 + (seed % 100));
  return sim;
}

/** 3 to 7 nodes, up to half of them cut off from the rest for 3 s (seeded), not yet healed. */
function cutOffForThreeSeconds(seed: number): Simulation {
  const nodes = 3 + (seed % 5);
  const sim = running(nodes, seed);
  const cut = sim.names.slice(0, Math.floor(nodes / 2));
  sim.partition(cut, sim.names.slice(cut.length));
  sim.run(3000);
  return sim;
}

describe('crash detection', () => {
  for (let nodes = 3; nodes <= 10; nodes++) {
    test(`${nodes} nodes: a killed node is dropped by all others within 1 s`, () => {
      for (let seed = 1; seed <= 10; seed++) {
        const sim = running(nodes, seed * 100 + nodes);
        const victim = sim.names[seed % nodes]!;
        const killedAt = sim.now;
        sim.kill(victim);
        sim.run(1500);
        const took = agreementTime(sim, victim, killedAt);
        assert.ok(
          took !== undefined && took <= 1000,
          `seed ${seed}: ${victim} dropped by all after ${took} ms`,
        );
        assert.deepEqual(sim.falseAlarms(), []);
      }
    });
  }

  test('with 10 % loss a killed node is still dropped within 1 s', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sim = running(6, seed, 0.1);
      const killedAt = sim.now;
      sim.kill('node-2');
      sim.run(1500);
      const took = agreementTime(sim, 'node-2', killedAt);
      assert.ok(took !== undefined && took <= 1000, `seed ${seed}: took ${took} ms`);
    }
  });
});

describe('no false alarms under loss', () => {
  for (const loss of [0.1, 0.2]) {
    test(`${loss * 100} % loss for 60 simulated seconds, 10 nodes: nobody is declared dead`, () => {
      for (const seed of [1, 2, 3]) {
        const sim = running(10, seed, loss);
        sim.run(60_000);
        assert.deepEqual(sim.falseAlarms(), [], `seed ${seed}`);
        assert.ok(sim.agree(sim.upNodes()), `seed ${seed}: views differ at the end`);
      }
    });
  }

  test('property: any seed, 3-8 nodes, loss up to 15 %, 10 s: nobody is declared dead', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 3, max: 8 }),
        fc.double({ min: 0, max: 0.15, noNaN: true }),
        (seed, nodes, loss) => {
          const sim = new Simulation({ nodes, seed, loss });
          sim.run(10_000);
          assert.deepEqual(sim.falseAlarms(), []);
          assert.ok(sim.agree(sim.upNodes()));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('graceful leave', () => {
  test('everyone drops a leaving node within one probe round', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sim = running(3 + (seed % 8), seed);
      const leftAt = sim.now;
      sim.leave('node-1');
      sim.run(100);
      const took = agreementTime(sim, 'node-1', leftAt);
      assert.ok(took !== undefined && took <= 50, `seed ${seed}: took ${took} ms`);
      assert.ok(sim.changes.some((c) => c.node === 'node-1' && c.to === 'left'));
      assert.ok(!sim.changes.some((c) => c.node === 'node-1' && c.to === 'dead'));
    }
  });

  test('with 20 % loss the farewell still reaches everyone (repeated and gossiped)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sim = running(6, seed, 0.2);
      const leftAt = sim.now;
      sim.leave('node-1');
      sim.run(1000);
      assert.notEqual(agreementTime(sim, 'node-1', leftAt), undefined, `seed ${seed}`);
    }
  });
});

describe('partitions and restarts', () => {
  test('both sides of a partition see the other dead; after healing all agree within 2 s', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const nodes = 3 + (seed % 8);
      const sim = running(nodes, seed, seed % 2 ? 0.05 : 0);
      const names = sim.names;
      const minority = names.slice(0, Math.ceil(nodes / 3));
      const majority = names.slice(minority.length);
      sim.partition(minority, majority);
      sim.run(3000);
      assert.ok(sim.agree(new Set(minority), minority), `seed ${seed}: minority view`);
      assert.ok(sim.agree(new Set(majority), majority), `seed ${seed}: majority view`);
      sim.heal();
      const healed = sim.runUntilAgreed(2000);
      assert.notEqual(healed, undefined, `seed ${seed}: no agreement 2 s after healing`);
    }
  });

  test('after a partition heals, all agree within 50 ms: the cut-off side pings fast', () => {
    // Until the other side hears from the cut-off one, both may answer for the same address.
    const times: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const sim = cutOffForThreeSeconds(seed);
      sim.heal();
      times.push(sim.runUntilAgreed(2000) ?? Number.POSITIVE_INFINITY);
    }
    assert.ok(
      Math.max(...times) <= 50,
      `heal to agreement: ${times.join(', ')} ms (with 250 ms pings: up to 250)`,
    );
  });

  test("healing a partition declares nobody dead: the cut-off side's old verdicts do not spread", () => {
    // Without this, the majority took the cut-off side's "dead" about its own members, which then
    // refuted: a member of the majority took an address over for a moment and gave it back.
    for (let seed = 1; seed <= 40; seed++) {
      const sim = cutOffForThreeSeconds(seed);
      const before = sim.changes.length;
      sim.heal();
      sim.run(1000);
      const deaths = sim.changes.slice(before).filter((c) => c.to === 'dead');
      assert.deepEqual(deaths, [], `seed ${seed}: deaths after healing`);
    }
  });

  test('only the cut-off side marks its pings to unreachable peers as rejoin pings', () => {
    const sim = running(5, 3);
    sim.partition(['node-0', 'node-1'], ['node-2', 'node-3', 'node-4']);
    sim.run(3000);
    const rejoinFrom = (name: string) => {
      const detector = sim.nodes.get(name)!.detector;
      let marked = 0;
      // 300 ms of its own ticks, no datagrams delivered: too short for anyone new to be declared dead.
      for (let t = 0; t < 300; t += 10) marked += detector.tick(sim.now + t).filter((o) => o.rejoin).length;
      return marked;
    };
    assert.ok(rejoinFrom('node-0') > 0, 'two against three: cut off');
    assert.equal(rejoinFrom('node-3'), 0, 'three against two: not cut off');
  });

  test('a restarted node (incarnation back to 0) is accepted again after being declared dead', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const sim = running(5, seed);
      sim.kill('node-3');
      sim.run(2000);
      assert.ok(sim.agree(new Set(['node-0', 'node-1', 'node-2', 'node-4'])));
      sim.start('node-3');
      assert.notEqual(sim.runUntilAgreed(2000), undefined, `seed ${seed}`);
    }
  });

  test('a node that left and comes back with the same incarnation is accepted again', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const sim = running(4, seed);
      sim.leave('node-2');
      sim.run(500);
      sim.start('node-2');
      assert.notEqual(sim.runUntilAgreed(2000), undefined, `seed ${seed}`);
    }
  });

  test('a restarted node that does not list its peers yet is not suspected meanwhile', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const sim = running(5, seed);
      sim.kill('node-4');
      sim.start('node-4', []);
      sim.run(3000);
      assert.deepEqual(sim.falseAlarms('suspect'), [], `seed ${seed}`);
      sim.setPeers('node-4', sim.names);
      assert.notEqual(sim.runUntilAgreed(2000), undefined, `seed ${seed}`);
    }
  });
});

describe('idle cost', () => {
  // SWIM's load per node does not grow with the cluster: one probe per period, its ack, and the
  // acks of the probes it receives (one per period on average). Gossip rides on these.
  for (const nodes of [3, 10, 30]) {
    test(`${nodes} quiet nodes: about 40 datagrams and 20 wake-ups a second per node, whatever the size`, () => {
      const sim = running(nodes, 7);
      const before = { datagrams: sim.datagrams, ticks: sim.ticks };
      sim.run(10_000);
      const perNodePerSecond = (n: number) => n / nodes / 10;
      const datagrams = perNodePerSecond(sim.datagrams - before.datagrams);
      const ticks = perNodePerSecond(sim.ticks - before.ticks);
      assert.ok(datagrams >= 38 && datagrams <= 42, `${datagrams} datagrams per node per second`);
      assert.ok(ticks >= 19 && ticks <= 22, `${ticks} ticks per node per second (a 10 ms timer made 100)`);
    });
  }
});
