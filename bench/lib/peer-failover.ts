// The peers benchmark's failover figures: p50 and p99 per implementation and kind, ours ÷ each
// peer's, and the median trial's timeline. Pure.
import { isOurs, type LoadBalancerName } from '../../lab/announcers.ts';
import { medianTrial, timeline } from './failover-measure.ts';
import { failoverDeadlineMs, type Kind, type Trial } from './failover-trial.ts';
import type { Figure, Series } from './figures.ts';
import { figureKey, percentile, round } from './figures.ts';

/** The peers issue's targets for ours ÷ a peer's p99, by kind and peer. */
const ratioTargets: Partial<Record<string, number>> = {
  crash_metallb: 0.25,
  graceful_metallb: 0.25,
  crash_keepalived: 0.25,
  crash_fast_keepalived_tuned: 1.0,
};
const ms = (s: number | undefined) => (s === undefined ? '-' : `${round(s * 1000, 1)} ms`);

/** Seconds to the first answer from another node; a trial that saw none counts at the deadline. */
function secondsOf(trials: readonly Trial[]): number[] {
  return trials.map((t) => t.failoverS ?? failoverDeadlineMs / 1000).sort((a, b) => a - b);
}

function implementationFigures(
  versions: Readonly<Record<LoadBalancerName, string>>,
  nodeCount: number,
  lb: LoadBalancerName,
  kind: Kind,
  trials: readonly Trial[],
) {
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
    [`peers_failover_${kind}_p50_s_${figureKey(lb)}`]: figure(0.5),
    [`peers_failover_${kind}_p99_s_${figureKey(lb)}`]: figure(0.99),
  };
}

/**
 * Ours ÷ a peer's p50 and p99: baremetal-lb with its defaults against every peer, and with
 * `--timing fast` against keepalived tuned (tuned against tuned).
 */
function ratioFigures(
  versions: Readonly<Record<LoadBalancerName, string>>,
  kind: Kind,
  byLb: ReadonlyMap<LoadBalancerName, readonly Trial[]>,
) {
  const pairs: [LoadBalancerName, LoadBalancerName, string][] = [...byLb.keys()]
    .filter((peer) => !isOurs(peer))
    .map((peer) => ['baremetal-lb', peer, figureKey(peer)]);
  pairs.push(['baremetal-lb-fast', 'keepalived-tuned', 'fast_keepalived_tuned']);
  const figures: Record<string, Figure> = {};
  for (const [oursLb, peer, suffix] of pairs) {
    const ours = secondsOf(byLb.get(oursLb) ?? []);
    const theirs = secondsOf(byLb.get(peer) ?? []);
    if (!ours.length || !theirs.length) continue;
    for (const [name, q] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const) {
      const value = round(percentile(ours, q) / percentile(theirs, q), 3);
      const target = name === 'p99' ? ratioTargets[`${kind}_${suffix}`] : undefined;
      figures[`peers_failover_${kind}_${name}_ratio_${suffix}`] = {
        value,
        unit: 'ratio',
        reference: `${versions[oursLb]}'s ${kind} failover ${name} (${round(percentile(ours, q))} s) ÷ ${versions[peer]}'s (${round(percentile(theirs, q))} s), same run, trials interleaved`,
        samples: Math.min(ours.length, theirs.length),
        ...(target !== undefined ? { target: `≤ ${target}`, met: value <= target } : {}),
      };
    }
  }
  return figures;
}

/** Every failover figure and timeline of a run, from its trials by implementation. */
export function failoverResults(
  trials: ReadonlyMap<LoadBalancerName, readonly Trial[]>,
  versions: Readonly<Record<LoadBalancerName, string>>,
  nodeCount: number,
): { figures: Record<string, Figure>; series: Record<string, Series> } {
  const figures: Record<string, Figure> = {};
  const series: Record<string, Series> = {};
  for (const kind of ['crash', 'graceful'] as const) {
    const ofKind = new Map([...trials].map(([lb, ts]) => [lb, ts.filter((t) => t.kind === kind)] as const));
    for (const [lb, ts] of ofKind) {
      Object.assign(figures, implementationFigures(versions, nodeCount, lb, kind, ts));
      const median = medianTrial(ts);
      if (!median) continue;
      series[`${kind}_timeline_${figureKey(lb)}`] = timeline(
        `${versions[lb]}: which node answered each client probe (${kind}); median trial, ${ms(median.failoverS)}`,
        median.records,
        median.struckAt,
        median.marks,
      );
    }
    Object.assign(figures, ratioFigures(versions, kind, ofKind));
  }
  return { figures, series };
}
