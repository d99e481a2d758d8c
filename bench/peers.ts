// baremetal-lb beside the real MetalLB and kube-vip, in one run: idle memory and CPU of each one's
// controller and announcers, and failover as the client sees it.
// A 3-node lab of each on the real control plane (`lab up --kube real --lb …`), all up at once, and
// the trials interleaved (crash and graceful, ours, MetalLB, kube-vip, round after round) so that
// machine noise falls on all three alike. A trial is the one of bench/failover-client.ts: a GET to the
// VIP from the client every 10 ms; SIGKILL of the announcing node's announcer with its cable pulled
// (crash), or SIGTERM (graceful); the time to the first answer from another node.
// Run: node_modules/.bin/node bench/peers.ts [--quick] [--json FILE] [--trials N]

import { type LoadBalancerName, loadBalancers } from '../lab/announcers.ts';
import { kubeVipVersion, metallbVersion } from '../lab/kube/binaries.ts';
import { electionOrder } from '../speaker/election/elect-leader.ts';
import { type FailoverLab, startFailoverLab, wallMs } from './lib/failover-lab.ts';
import { medianTrial, timeline } from './lib/failover-measure.ts';
import { failoverDeadlineMs, type Kind, runTrial, type Trial } from './lib/failover-trial.ts';
import type { Figure, Series } from './lib/figures.ts';
import { benchArgs, percentile, report, round } from './lib/figures.ts';
import { idleFigures, measureIdle } from './lib/idle-usage.ts';

const nodeCount = 3;
const kinds: readonly Kind[] = ['crash', 'graceful'];
const peers = loadBalancers.filter((lb) => lb !== 'baremetal-lb');
const versions: Record<LoadBalancerName, string> = {
  'baremetal-lb': 'this tree',
  metallb: `MetalLB ${metallbVersion}`,
  'kube-vip': `kube-vip ${kubeVipVersion}`,
};
/** The peers issue's targets for ours ÷ MetalLB (p99 of each kind). */
const ratioTargets: Partial<Record<string, number>> = { crash_metallb: 0.25, graceful_metallb: 0.25 };

const args = benchArgs();
const trialsAt = args.rest.indexOf('--trials');
const trialsPerKind = trialsAt >= 0 ? Number(args.rest[trialsAt + 1]) : args.quick ? 3 : 20;
if (!Number.isInteger(trialsPerKind) || trialsPerKind < 1) {
  throw new Error(`--trials "${args.rest[trialsAt + 1]}" must be a whole number of at least 1`);
}
/** Every lab idle at once: the window over which idle CPU is measured. */
const idleWindowMs = args.quick ? 5000 : 20_000;
const log = (line: string) => process.stderr.write(`peers: ${line}\n`);
const ms = (s: number | undefined) => (s === undefined ? '-' : `${round(s * 1000, 1)} ms`);
const key = (lb: LoadBalancerName) => lb.replace(/-/g, '_');

/** Seconds to the first answer from another node; a trial that saw none counts at the deadline. */
function secondsOf(trials: readonly Trial[]): number[] {
  return trials.map((t) => t.failoverS ?? failoverDeadlineMs / 1000).sort((a, b) => a - b);
}

function implementationFigures(lb: LoadBalancerName, kind: Kind, trials: readonly Trial[]) {
  const seconds = secondsOf(trials);
  const missed = trials.filter((t) => t.failoverS === undefined).length;
  const reference = `${versions[lb]}, ${kind} failover as the client sees it (see bench/failover-client.ts), ${nodeCount}-node lab on kube-apiserver`;
  const note = missed
    ? `${missed} trial(s) saw no other node within ${failoverDeadlineMs / 1000} s`
    : undefined;
  const figure = (q: number): Figure => ({
    value: round(percentile(seconds, q)),
    unit: 's',
    reference,
    samples: seconds.length,
    ...(note ? { note } : {}),
  });
  return {
    [`peers_failover_${kind}_p50_s_${key(lb)}`]: figure(0.5),
    [`peers_failover_${kind}_p99_s_${key(lb)}`]: figure(0.99),
  };
}

function ratioFigures(kind: Kind, byLb: ReadonlyMap<LoadBalancerName, readonly Trial[]>) {
  const ours = secondsOf(byLb.get('baremetal-lb') ?? []);
  const figures: Record<string, Figure> = {};
  for (const peer of peers) {
    const theirs = secondsOf(byLb.get(peer) ?? []);
    for (const [name, q] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const) {
      const value = round(percentile(ours, q) / percentile(theirs, q), 3);
      const target = name === 'p99' ? ratioTargets[`${kind}_${peer}`] : undefined;
      figures[`peers_failover_${kind}_${name}_ratio_${key(peer)}`] = {
        value,
        unit: 'ratio',
        reference: `baremetal-lb's ${kind} failover ${name} (${round(percentile(ours, q))} s) ÷ ${versions[peer]}'s (${round(percentile(theirs, q))} s), same run, trials interleaved`,
        samples: Math.min(ours.length, theirs.length),
        ...(target !== undefined ? { target: `≤ ${target}`, met: value <= target } : {}),
      };
    }
  }
  return figures;
}

async function startLabs(): Promise<Map<LoadBalancerName, FailoverLab>> {
  const labs = new Map<LoadBalancerName, FailoverLab>();
  try {
    for (const lb of loadBalancers) {
      log(`lab up --lb ${lb} (${nodeCount} nodes, real control plane)`);
      labs.set(lb, await startFailoverLab(nodeCount, (line) => log(`${lb}: ${line}`), 'real', lb));
    }
  } catch (error) {
    for (const lab of labs.values()) await lab.down();
    throw error;
  }
  return labs;
}

async function main(): Promise<void> {
  const began = wallMs();
  const labs = await startLabs();
  const trials = new Map<LoadBalancerName, Trial[]>(loadBalancers.map((lb) => [lb, []]));
  const figures: Record<string, Figure> = {};
  try {
    log(`idle: every lab's controller and announcers over ${idleWindowMs / 1000} s`);
    const idle = await measureIdle(new Map([...labs].map(([lb, lab]) => [lb, lab.state])), idleWindowMs);
    Object.assign(figures, idleFigures(idle, versions, idleWindowMs / 1000));
    for (let i = 1; i <= trialsPerKind; i++) {
      for (const kind of kinds) {
        for (const [lb, lab] of labs) {
          const expected = electionOrder(
            lab.vip,
            lab.topology.nodes.map((n) => n.name),
          )[0]!;
          const t = await runTrial(lab, kind, expected).catch(async (error: Error) => {
            throw new Error(`${lb} ${kind} trial ${i}: ${error.message}`);
          });
          trials.get(lb)!.push(t);
          log(
            `${lb} ${kind} ${i}/${trialsPerKind}: ${ms(t.failoverS)} from ${t.struck} to ${t.newNode ?? '-'}`,
          );
        }
      }
    }
  } finally {
    for (const lab of labs.values()) await lab.down();
  }
  const series: Record<string, Series> = {};
  for (const kind of kinds) {
    const ofKind = new Map([...trials].map(([lb, ts]) => [lb, ts.filter((t) => t.kind === kind)] as const));
    for (const [lb, ts] of ofKind) {
      Object.assign(figures, implementationFigures(lb, kind, ts));
      const median = medianTrial(ts);
      if (median) {
        series[`${kind}_timeline_${key(lb)}`] = timeline(
          `${versions[lb]}: which node answered each client probe (${kind}); median trial, ${ms(median.failoverS)}`,
          median.records,
          median.struckAt,
          median.marks,
        );
      }
    }
    Object.assign(figures, ratioFigures(kind, ofKind));
  }
  report(args, {
    bench: 'peers',
    quick: args.quick,
    figures,
    series,
    details: {
      nodes: nodeCount,
      trialsPerKind,
      versions,
      totalS: round((wallMs() - began) / 1000, 1),
      trials: Object.fromEntries(
        [...trials].map(([lb, ts]) => [
          lb,
          ts.map((t) => ({
            kind: t.kind,
            struck: t.struck,
            newNode: t.newNode ?? null,
            failoverMs: t.failoverS === undefined ? null : round(t.failoverS * 1000, 1),
          })),
        ]),
      ),
    },
  });
}

await main();
