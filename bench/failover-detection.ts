// Failure-detector figures from the deterministic simulation (no assertions): time from killing a
// speaker until every other speaker has dropped it, over many seeded trials, by cluster size and
// packet loss; false deaths during the run; datagrams per node per second. Simulated time, so the
// figures measure the protocol and its timing constants, not this machine.
// Run: node_modules/.bin/node bench/failover-detection.ts [--quick] [--json FILE] [trials]
// (trials per row: 200, or 25 with --quick)

import { type Timing, type TimingProfile, timingProfiles } from '../speaker/membership/timing.ts';
import { agreementTime, Simulation } from '../test/unit/membership/simulation.ts';
import type { Figure } from './lib/figures.ts';
import { benchArgs, percentile, report, round } from './lib/figures.ts';

const args = benchArgs();
const trials = Number(args.rest[0] ?? (args.quick ? 25 : 200));
if (!Number.isInteger(trials) || trials < 1)
  throw new Error(`trials "${args.rest[0]}" must be a whole number ≥ 1`);
// The row the figures come from: a mid-sized cluster on a lossy network.
const figureRow = { nodes: 10, loss: 0.1 };
const log = (line: string) => process.stderr.write(`${line}\n`);

interface ProfileRun {
  figureTimes: number[];
  figureUndetected: number;
  falseDeaths: number;
  trials: number;
}

/** One seeded trial: run, kill one speaker, run on; agreement time, false deaths and traffic. */
function trial(nodes: number, loss: number, seed: number, timing: Timing) {
  const sim = new Simulation({ nodes, seed: seed * 7919 + nodes, loss, timing });
  sim.run(2000 + (seed % 250));
  const victim = sim.names[seed % nodes]!;
  const killedAt = sim.now;
  sim.kill(victim);
  sim.run(2000);
  return {
    took: agreementTime(sim, victim, killedAt),
    falseDeaths: sim.falseAlarms().length,
    datagrams: sim.datagrams,
    nodeSeconds: (nodes * sim.now) / 1000,
  };
}

function runProfile(name: TimingProfile): ProfileRun {
  const timing = timingProfiles[name];
  const run: ProfileRun = { figureTimes: [], figureUndetected: 0, falseDeaths: 0, trials: 0 };
  log(`--timing ${name}: kill → all others agree dead (simulated ms), ${trials} seeded trials per row`);
  log('nodes  loss   p50   p90   p99   max  undetected  false-deaths  datagrams/node/s');
  for (const nodes of [3, 5, 10, 20]) {
    for (const loss of [0, 0.1, 0.2]) {
      const results = Array.from({ length: trials }, (_, i) => trial(nodes, loss, i + 1, timing));
      const times = results.flatMap((r) => (r.took === undefined ? [] : [r.took])).sort((a, b) => a - b);
      const undetected = results.length - times.length;
      const falseDeaths = results.reduce((sum, r) => sum + r.falseDeaths, 0);
      const rate =
        results.reduce((sum, r) => sum + r.datagrams, 0) / results.reduce((sum, r) => sum + r.nodeSeconds, 0);
      const row = [
        String(nodes).padStart(5),
        `${loss * 100}%`.padStart(5),
        ...[0.5, 0.9, 0.99].map((p) => String(percentile(times, p)).padStart(5)),
        String(times.at(-1)).padStart(5),
        String(undetected).padStart(11),
        String(falseDeaths).padStart(13),
        rate.toFixed(0).padStart(17),
      ];
      log(row.join(' '));
      run.falseDeaths += falseDeaths;
      run.trials += trials;
      if (nodes === figureRow.nodes && loss === figureRow.loss) {
        run.figureTimes = times;
        run.figureUndetected = undetected;
      }
    }
  }
  return run;
}

/** The figures of one profile; the default's keep their first names, fast's are named sim_fast_…. */
function profileFigures(name: TimingProfile, run: ProfileRun): Record<string, Figure> {
  const prefix = name === 'default' ? 'sim' : `sim_${name}`;
  const undetectedNote = run.figureUndetected
    ? { note: `${run.figureUndetected} trial(s) never agreed within 2 s and are left out` }
    : {};
  const reference = (p: string) => `--timing ${name}: ${simReference(p)}`;
  return {
    [`${prefix}_failover_p50_s`]: {
      value: round(percentile(run.figureTimes, 0.5) / 1000),
      unit: 's',
      reference: reference('median'),
      samples: run.figureTimes.length,
      ...undetectedNote,
    },
    [`${prefix}_failover_p99_s`]: {
      value: round(percentile(run.figureTimes, 0.99) / 1000),
      unit: 's',
      reference: reference('nearest-rank p99'),
      samples: run.figureTimes.length,
      ...undetectedNote,
    },
    [`${prefix}_false_deaths`]: {
      value: run.falseDeaths,
      unit: 'count',
      reference: `--timing ${name}: live speakers wrongly declared dead, summed over all ${run.trials} trials (3–20 nodes, 0–20 % loss)`,
      samples: run.trials,
      ...(name === 'fast' ? { target: '0', met: run.falseDeaths === 0 } : {}),
    },
  };
}

const simReference = (p: string) =>
  `${p} of simulated time from SIGKILL of one speaker until every other speaker holds it dead, ` +
  `${figureRow.nodes} nodes, ${figureRow.loss * 100} % datagram loss, seeded deterministic simulation (protocol timing, not this machine)`;
const profiles: readonly TimingProfile[] = ['default', 'fast'];
report(args, {
  bench: 'failover-detection',
  quick: args.quick,
  figures: Object.assign({}, ...profiles.map((name) => profileFigures(name, runProfile(name)))),
});
