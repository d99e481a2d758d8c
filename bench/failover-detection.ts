// Failure-detector figures from the deterministic simulation (no assertions): time from killing a
// speaker until every other speaker has dropped it, over many seeded trials, by cluster size and
// packet loss; false deaths during the run; datagrams per node per second. Simulated time, so the
// figures measure the protocol and its timing constants, not this machine.
// Run: node_modules/.bin/node bench/failover-detection.ts [--quick] [--json FILE] [trials]
// (trials per row: 200, or 25 with --quick)

import { agreementTime, Simulation } from '../test/unit/membership/simulation.ts';
import { benchArgs, percentile, report, round } from './lib/figures.ts';

const args = benchArgs();
const trials = Number(args.rest[0] ?? (args.quick ? 25 : 200));
if (!Number.isInteger(trials) || trials < 1)
  throw new Error(`trials "${args.rest[0]}" must be a whole number ≥ 1`);
// The row the figures come from: a mid-sized cluster on a lossy network.
const figureRow = { nodes: 10, loss: 0.1 };
let figureTimes: number[] = [];
let figureUndetected = 0;
let totalFalseDeaths = 0;
let totalTrials = 0;
const log = (line: string) => process.stderr.write(`${line}\n`);

log(`kill → all others agree dead (simulated ms), ${trials} seeded trials per row`);
log('nodes  loss   p50   p90   p99   max  undetected  false-deaths  datagrams/node/s');
for (const nodes of [3, 5, 10, 20]) {
  for (const loss of [0, 0.1, 0.2]) {
    const times: number[] = [];
    let undetected = 0;
    let falseDeaths = 0;
    let datagrams = 0;
    let nodeSeconds = 0;
    for (let seed = 1; seed <= trials; seed++) {
      const sim = new Simulation({ nodes, seed: seed * 7919 + nodes, loss });
      sim.run(2000 + (seed % 250));
      const victim = sim.names[seed % nodes]!;
      const killedAt = sim.now;
      sim.kill(victim);
      sim.run(2000);
      const took = agreementTime(sim, victim, killedAt);
      if (took === undefined) undetected++;
      else times.push(took);
      falseDeaths += sim.falseAlarms().length;
      datagrams += sim.datagrams;
      nodeSeconds += (nodes * sim.now) / 1000;
    }
    times.sort((a, b) => a - b);
    const row = [
      String(nodes).padStart(5),
      `${loss * 100}%`.padStart(5),
      ...[0.5, 0.9, 0.99].map((p) => String(percentile(times, p)).padStart(5)),
      String(times.at(-1)).padStart(5),
      String(undetected).padStart(11),
      String(falseDeaths).padStart(13),
      (datagrams / nodeSeconds).toFixed(0).padStart(17),
    ];
    log(row.join(' '));
    totalFalseDeaths += falseDeaths;
    totalTrials += trials;
    if (nodes === figureRow.nodes && loss === figureRow.loss) {
      figureTimes = times;
      figureUndetected = undetected;
    }
  }
}

const simReference = (p: string) =>
  `${p} of simulated time from SIGKILL of one speaker until every other speaker holds it dead, ` +
  `${figureRow.nodes} nodes, ${figureRow.loss * 100} % datagram loss, seeded deterministic simulation (protocol timing, not this machine)`;
const undetectedNote = figureUndetected
  ? { note: `${figureUndetected} trial(s) never agreed within 2 s and are left out` }
  : {};
report(args, {
  bench: 'failover-detection',
  quick: args.quick,
  figures: {
    sim_failover_p50_s: {
      value: round(percentile(figureTimes, 0.5) / 1000),
      unit: 's',
      reference: simReference('median'),
      samples: figureTimes.length,
      ...undetectedNote,
    },
    sim_failover_p99_s: {
      value: round(percentile(figureTimes, 0.99) / 1000),
      unit: 's',
      reference: simReference('nearest-rank p99'),
      samples: figureTimes.length,
      ...undetectedNote,
    },
    sim_false_deaths: {
      value: totalFalseDeaths,
      unit: 'count',
      reference: `live speakers wrongly declared dead, summed over all ${totalTrials} trials (3–20 nodes, 0–20 % loss)`,
      samples: totalTrials,
    },
  },
});
