// Failover as the client sees it, over many trials on one lab (3 nodes): a probe in the client
// namespace sends a GET to the ingress VIP every 10 ms; we strike the node announcing the VIP and
// time how long until the first answer served by another node.
//   crash:    SIGKILL its speaker and at once pull its cable at the switch (a dead node stops
//             answering; with only the speaker killed, its nginx would go on serving the client)
//   graceful: SIGTERM its speaker (it stops answering ARP and tells its peers it leaves)
// After each trial the cable goes back in and the speaker is started again with its own command
// line; the next trial waits, polling, until every speaker holds every peer alive, only the elected
// leader announces, and the client's traffic reaches the leader. Crash and graceful trials alternate.
// Run: node_modules/.bin/node bench/failover-client.ts [--quick] [--kube real] [--json FILE] [--trials N]

import { electionOrder } from '../speaker/election/elect-leader.ts';
import { startFailoverLab, wallMs } from './lib/failover-lab.ts';
import { medianTrial, timeline } from './lib/failover-measure.ts';
import {
  failoverDeadlineMs,
  type Kind,
  probeIntervalMs,
  probeTimeoutMs,
  runTrial,
  type Trial,
} from './lib/failover-trial.ts';
import type { Figure, Series } from './lib/figures.ts';
import { benchArgs, percentile, report, round } from './lib/figures.ts';

const nodeCount = 3;
const kinds: readonly Kind[] = ['crash', 'graceful'];
const targetS: Record<Kind, number> = { crash: 1, graceful: 0.2 };
const struckBy: Record<Kind, string> = {
  crash: "SIGKILL of the announcing node's speaker with its cable pulled at the switch right after",
  graceful: "SIGTERM of the announcing node's speaker (graceful handover)",
};

const args = benchArgs();
const trialsAt = args.rest.indexOf('--trials');
const trialsPerKind = trialsAt >= 0 ? Number(args.rest[trialsAt + 1]) : args.quick ? 5 : 20;
if (!Number.isInteger(trialsPerKind) || trialsPerKind < 1) {
  throw new Error(
    `--trials "${args.rest[trialsAt + 1]}" must be a whole number of at least 1 (trials per kind)`,
  );
}
const log = (line: string) => process.stderr.write(`failover-client: ${line}\n`);
const ms = (s: number | undefined) => (s === undefined ? '-' : `${round(s * 1000, 1)} ms`);

function figures(trials: readonly Trial[], kind: Kind): Record<string, Figure> {
  const ofKind = trials.filter((t) => t.kind === kind);
  const missed = ofKind.filter((t) => t.failoverS === undefined).length;
  const seconds = ofKind.map((t) => t.failoverS ?? failoverDeadlineMs / 1000).sort((a, b) => a - b);
  const detected = ofKind.flatMap((t) => (t.speaker.detectedS === undefined ? [] : [t.speaker.detectedS]));
  const announced = ofKind.flatMap((t) => (t.speaker.announcedS === undefined ? [] : [t.speaker.announcedS]));
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  const reference =
    `client side: wall time from the ${struckBy[kind]} to the first HTTP answer served by another node; ` +
    `a GET to http://VIP/ from the lab's client namespace every ${probeIntervalMs} ms, each on a fresh ` +
    `connection with a ${probeTimeoutMs} ms deadline; ${nodeCount}-node lab`;
  const notes = [
    `includes up to ${probeIntervalMs} ms of probe spacing`,
    `new leader's own log, median: saw the old one ${kind === 'crash' ? 'dead' : 'leave'} at ${ms(median(detected))}, announcing at ${ms(median(announced))}`,
    ...(missed
      ? [`${missed} trial(s) saw no other node within ${failoverDeadlineMs / 1000} s and count as that`]
      : []),
  ];
  const p99 = percentile(seconds, 0.99);
  const name = `failover_${kind}`;
  return {
    [`${name}_p50_s`]: {
      value: round(percentile(seconds, 0.5)),
      unit: 's',
      reference,
      samples: seconds.length,
      note: notes.join('; '),
    },
    [`${name}_p99_s`]: {
      value: round(p99),
      unit: 's',
      reference,
      samples: seconds.length,
      target: `≤ ${targetS[kind]} s`,
      met: missed === 0 && p99 <= targetS[kind],
      note: [
        `nearest-rank p99 of ${seconds.length} trials${seconds.length < 100 ? ' = their maximum' : ''}`,
        ...notes,
      ].join('; '),
    },
  };
}

function timelineSeries(trials: readonly Trial[], kind: Kind): Series | undefined {
  const t = medianTrial(trials.filter((x) => x.kind === kind));
  if (!t) return undefined;
  const what = kind === 'crash' ? 'speaker SIGKILL + cable pulled' : 'speaker SIGTERM, graceful handover';
  return timeline(
    `Which node answered each client probe (${what}); median trial, ${ms(t.failoverS)}`,
    t.records,
    t.struckAt,
    t.marks,
  );
}

async function main(): Promise<void> {
  const began = wallMs();
  log(`lab up (${nodeCount} nodes)`);
  const lab = await startFailoverLab(nodeCount, (line) => log(`lab: ${line}`), args.kube);
  const labUpS = (wallMs() - began) / 1000;
  const trials: Trial[] = [];
  try {
    // The election is deterministic: with every speaker alive the same node leads after each restore.
    const order = electionOrder(
      lab.vip,
      lab.topology.nodes.map((n) => n.name),
    );
    const leader = order[0]!;
    log(
      `${lab.vip}: leader ${leader}, then ${order.slice(1).join(', ')}; ${trialsPerKind} trials of each kind`,
    );
    for (let i = 1; i <= trialsPerKind; i++) {
      for (const kind of kinds) {
        const t = await runTrial(lab, kind, leader).catch(async (error: Error) => {
          const tail = (await lab.logText(`speaker-${leader}`)).trimEnd().split('\n').slice(-15).join('\n');
          throw new Error(`${kind} trial ${i}: ${error.message}\nthe end of speaker-${leader}.log:\n${tail}`);
        });
        trials.push(t);
        log(
          `${kind} ${i}/${trialsPerKind}: ${ms(t.failoverS)} to ${t.newNode ?? '-'} (its speaker: ` +
            `saw it go ${ms(t.speaker.detectedS)}, announcing ${ms(t.speaker.announcedS)}); ` +
            `cost ${round(t.cost.steadyS, 2)} s steady + ${round(t.cost.strikeS, 2)} s strike + ${round(t.cost.restoreS, 2)} s restore`,
        );
      }
    }
  } finally {
    await lab.down();
  }
  const series: Record<string, Series> = {};
  for (const kind of kinds) {
    const s = timelineSeries(trials, kind);
    if (s) series[`failover_${kind}_timeline`] = s;
  }
  const meanS = (pick: (t: Trial) => number) =>
    round(trials.reduce((sum, t) => sum + pick(t), 0) / Math.max(1, trials.length), 2);
  report(args, {
    bench: 'failover-client',
    quick: args.quick,
    figures: Object.assign({}, ...kinds.map((k) => figures(trials, k))),
    series,
    details: {
      nodes: nodeCount,
      trialsPerKind,
      probeIntervalMs,
      probeTimeoutMs,
      labUpS: round(labUpS, 2),
      totalS: round((wallMs() - began) / 1000, 2),
      meanCostS: {
        steady: meanS((t) => t.cost.steadyS),
        strike: meanS((t) => t.cost.strikeS),
        restore: meanS((t) => t.cost.restoreS),
      },
      trials: trials.map((t) => ({
        kind: t.kind,
        struck: t.struck,
        newNode: t.newNode ?? null,
        failoverMs: t.failoverS === undefined ? null : round(t.failoverS * 1000, 1),
        speakerDetectedMs: t.speaker.detectedS === undefined ? null : round(t.speaker.detectedS * 1000, 1),
        speakerAnnouncedMs: t.speaker.announcedS === undefined ? null : round(t.speaker.announcedS * 1000, 1),
        afterStrike: t.afterStrike,
        costS: {
          steady: round(t.cost.steadyS, 2),
          strike: round(t.cost.strikeS, 2),
          restore: round(t.cost.restoreS, 2),
        },
      })),
    },
  });
}

await main();
