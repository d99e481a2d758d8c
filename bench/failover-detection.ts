// Failure-detector figures from the deterministic simulation (no assertions): time from killing a
// speaker until every other speaker has dropped it, over many seeded trials, by cluster size and
// packet loss; false deaths during the run; datagrams per node per second. Simulated time, so the
// figures measure the protocol and its timing constants, not this machine.
// Run: node_modules/.bin/node bench/failover-detection.ts [trials=200]

import { agreementTime, Simulation } from '../test/unit/membership/simulation.ts';

const trials = Number(process.argv[2] ?? 200);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

console.log(`kill → all others agree dead (simulated ms), ${trials} seeded trials per row`);
console.log('nodes  loss   p50   p90   p99   max  undetected  false-deaths  datagrams/node/s');
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
    console.log(row.join(' '));
  }
}
