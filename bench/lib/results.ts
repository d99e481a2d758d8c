// The runner's pure parts: which benches run in what order and within what time, how their reports
// merge into bench/results.json, which required figures are missing, and the tables printed from it.

import type { BenchReport, Figure } from './figures.ts';

export interface BenchPlan {
  readonly name: string;
  /** The bench file (without .ts) when it is not `name`, and the arguments it gets. */
  readonly script?: string;
  readonly args?: readonly string[];
  /** Hard limits in seconds, after which the bench's process group is killed. */
  readonly fullS: number;
  readonly quickS: number;
}

// Order matters: the cheap, quiet benches first, the lab-building ones last. Full limits are the
// contract's budgets (19 min in all). Quick limits move time from the light benches, which finish in
// seconds, to the lab ones, which need most of theirs (failover-client quick took 47 s), and stay
// under 3 min in all.
export const benchPlans: readonly BenchPlan[] = [
  { name: 'allocator-scale', fullS: 60, quickS: 10 },
  { name: 'responder-throughput', fullS: 60, quickS: 8 },
  { name: 'failover-detection', fullS: 60, quickS: 8 },
  { name: 'apiserver-throughput', fullS: 60, quickS: 12 },
  { name: 'arp-latency', fullS: 180, quickS: 25 },
  { name: 'failover-client', fullS: 360, quickS: 70 },
  { name: 'controller-e2e', fullS: 360, quickS: 45 },
  // The same two on the real control plane (kube-apiserver v1.36, etcd): figures named …_real.
  {
    name: 'failover-client-real',
    script: 'failover-client',
    args: ['--kube', 'real'],
    fullS: 360,
    quickS: 90,
  },
  // 10k Services on a real kube-apiserver sharing 2 cores took 9 min 12 s (58 raw creates/s).
  { name: 'controller-e2e-real', script: 'controller-e2e', args: ['--kube', 'real'], fullS: 900, quickS: 90 },
  // baremetal-lb beside the real MetalLB, kube-vip and keepalived: six real-control-plane labs at
  // once, 240 interleaved failover trials (a quick run of 36 took 338 s).
  { name: 'peers', fullS: 2400, quickS: 600 },
  // baremetal-lb's controller against MetalLB's, each on fresh control planes (quick: 500 Services).
  { name: 'controllers', fullS: 1800, quickS: 240 },
  // Issue 13: 40k IPAddressPools created, loaded once more and deleted under a running controller
  // (a full run took about 2 min, plus up to 4 min waiting for memory to come back).
  { name: 'big-config', fullS: 600, quickS: 420 },
  // Issue 14: controller and speaker RSS idle, at 1k and at 10k Services (embedded API server).
  { name: 'memory', fullS: 600, quickS: 240 },
];

/** The figures issue 7 asks for; results.json lists the ones a run did not produce. */
export const requiredFigures: readonly string[] = [
  'arp_p50_ratio',
  'arp_p99_ratio',
  'ndp_p50_ratio',
  'arp_zero_loss_rps',
  'arp_zero_loss_ratio',
  'alloc_100k_s',
  'alloc_100k_mb',
  'alloc_v6_64_ok',
  'failover_crash_p50_s',
  'failover_crash_p99_s',
  'failover_graceful_p99_s',
  'e2e_10k_ratio',
  'restart_ready_s',
  'restart_ips_changed',
  'controller_rss_mb_10k',
  'speaker_rss_mb_10k',
];

export type MergedFigure = Figure & { readonly bench: string };

export interface BenchOutcome {
  readonly seconds: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface Machine {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGB: number;
  readonly kernel: string;
  readonly node: string;
  readonly os: string;
}

export interface Results {
  readonly generatedAt: string;
  readonly mode: 'quick' | 'full';
  readonly durationSeconds: number;
  readonly machine: Machine;
  readonly figures: Readonly<Record<string, MergedFigure>>;
  readonly benches: Readonly<Record<string, BenchOutcome>>;
  readonly missing: readonly string[];
  /** Benches not run this time (--only) whose figures are kept from the results file before. */
  readonly carriedOver?: readonly string[];
}

/**
 * With --only, the figures and outcomes of the benches not run this time, from the previous
 * results file, so that rerunning one bench does not erase the others' figures.
 */
export function carryOver(
  previous: Pick<Results, 'figures' | 'benches'> | undefined,
  reran: readonly string[],
): { figures: Record<string, MergedFigure>; benches: Record<string, BenchOutcome> } {
  const kept = (bench: string) => !reran.includes(bench);
  return {
    figures: Object.fromEntries(Object.entries(previous?.figures ?? {}).filter(([, f]) => kept(f.bench))),
    benches: Object.fromEntries(Object.entries(previous?.benches ?? {}).filter(([name]) => kept(name))),
  };
}

/** Selects plans by name; an unknown name is an error naming it and the known ones. */
export function selectPlans(only: readonly string[] | undefined): readonly BenchPlan[] {
  if (!only) return benchPlans;
  for (const name of only) {
    if (!benchPlans.some((p) => p.name === name)) {
      throw new Error(`--only "${name}" is not a bench; known: ${benchPlans.map((p) => p.name).join(', ')}`);
    }
  }
  return benchPlans.filter((p) => only.includes(p.name));
}

/**
 * Every report's figures under their names, each tagged with its bench. A name two benches both report
 * keeps the first and the second is renamed `<bench>.<name>`, so nothing measured is lost.
 */
export function mergeFigures(reports: readonly BenchReport[]): Record<string, MergedFigure> {
  const merged: Record<string, MergedFigure> = {};
  for (const r of reports) {
    for (const [name, figure] of Object.entries(r.figures)) {
      const key = name in merged ? `${r.bench}.${name}` : name;
      merged[key] = { ...figure, bench: r.bench };
    }
  }
  return merged;
}

export function missingFigures(
  figures: Readonly<Record<string, unknown>>,
  required: readonly string[] = requiredFigures,
): string[] {
  return required.filter((name) => !(name in figures));
}

function formatValue(value: number | boolean): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : String(value);
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

const metText = (f: Figure): string => (f.met === undefined ? '' : f.met ? 'yes' : '**no**');

/** The figures as a Markdown table for BENCHMARKS.md, required ones first in the order. */
export function markdownTable(results: Pick<Results, 'figures' | 'missing'>): string {
  const lines = [
    '| figure | value | unit | target | met | reference |',
    '|---|---:|---|---|---|---|',
    ...orderedNames(results.figures).map((name) => {
      const f = results.figures[name]!;
      const reference = f.note ? `${f.reference} (${f.note})` : f.reference;
      const row = [name, formatValue(f.value), f.unit, f.target ?? '', metText(f), reference];
      return `| ${row.map(cell).join(' | ')} |`;
    }),
    ...results.missing.map((name) => `| ${cell(name)} | not measured | | | | |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A plain-text table for the terminal: name, value and unit, target, met. */
export function summaryTable(results: Pick<Results, 'figures' | 'benches' | 'missing'>): string {
  const rows = orderedNames(results.figures).map((name) => {
    const f = results.figures[name]!;
    return [
      name,
      `${formatValue(f.value)} ${f.unit}`,
      f.target ?? '',
      f.met === undefined ? '' : f.met ? 'met' : 'NOT MET',
    ];
  });
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c))
      .join('  ')
      .trimEnd(),
  );
  for (const [bench, outcome] of Object.entries(results.benches)) {
    if (!outcome.ok)
      lines.push(`FAILED ${bench} after ${outcome.seconds} s: ${outcome.error ?? 'unknown error'}`);
  }
  if (results.missing.length) lines.push(`missing: ${results.missing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function orderedNames(figures: Readonly<Record<string, unknown>>): string[] {
  const required = requiredFigures.filter((n) => n in figures);
  return [...required, ...Object.keys(figures).filter((n) => !requiredFigures.includes(n))];
}
