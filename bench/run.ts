// Runs every benchmark as its own process with a hard time limit, merges their figures into
// bench/results.json and draws their series into bench/out/*.svg. A bench that fails or overruns is
// recorded and the others still count.
//   node_modules/.bin/node bench/run.ts [--quick] [--only a,b] [--markdown]
//   node_modules/.bin/node bench/run.ts --tables   (no run: the Markdown tables of bench/results.json)

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchReport } from './lib/figures.ts';
import { peerTable } from './lib/peer-table.ts';
import {
  type BenchOutcome,
  type BenchPlan,
  carryOver,
  type Machine,
  markdownTable,
  mergeFigures,
  missingFigures,
  type Results,
  selectPlans,
  summaryTable,
} from './lib/results.ts';
import { seriesSvg } from './lib/svg-plot.ts';

const benchDir = import.meta.dirname;
const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    tables: { type: 'boolean', default: false },
  },
});
const quick = options.quick;
const plans = selectPlans(options.only?.split(',').map((s) => s.trim()));
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
/** After SIGTERM to the group, this long before SIGKILL, so a bench can remove its namespaces. */
const graceMs = 10_000;

function machine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    os: `${os.type()} ${os.machine()}`,
  };
}

/** Set by a ^C or SIGTERM of the runner: the running bench is stopped and no other starts. */
let interrupted = false;

/** Runs one bench in its own process group; on timeout the whole group goes, not only the bench. */
function runBench(
  plan: BenchPlan,
  jsonFile: string,
): Promise<{ outcome: BenchOutcome; report?: BenchReport }> {
  const limitS = quick ? plan.quickS : plan.fullS;
  const args = [
    path.join(benchDir, `${plan.script ?? plan.name}.ts`),
    ...(plan.args ?? []),
    ...(quick ? ['--quick'] : []),
    '--json',
    jsonFile,
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderrTail = '';
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    });
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      log(`${plan.name}: over its ${limitS} s limit, stopping it`);
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), graceMs).unref();
    }, limitS * 1000);
    // The bench runs in a group of its own: a ^C or SIGTERM of the runner must reach it, so that it
    // removes its namespaces and control planes, then the runner goes.
    const passOn = (signal: NodeJS.Signals) => {
      interrupted = true;
      log(`${signal}: stopping ${plan.name}, then no further benchmark`);
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), graceMs).unref();
    };
    process.once('SIGINT', passOn);
    process.once('SIGTERM', passOn);
    child.once('error', (error) => (stderrTail += `\n${error.message}`));
    child.once('close', (code, signal) => {
      process.off('SIGINT', passOn);
      process.off('SIGTERM', passOn);
      clearTimeout(timer);
      killGroup('SIGKILL');
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      const lastLines = stderrTail.trimEnd().split('\n').slice(-5).join(' / ');
      let error: string | undefined;
      if (timedOut) error = `timed out after ${limitS} s`;
      else if (code !== 0)
        error = `exited with ${signal ?? `code ${code}`}${lastLines ? `: ${lastLines}` : ''}`;
      let report: BenchReport | undefined;
      try {
        report = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchReport;
      } catch {
        error ??= `wrote no report to --json${lastLines ? `: ${lastLines}` : ''}`;
      }
      resolve({ outcome: error ? { seconds, ok: false, error } : { seconds, ok: true }, report });
    });
  });
}

/** Our own figures in one table; the comparison with the peers in its own, one column per implementation. */
function markdownTables(results: Results): string {
  const comparison = new Set(['peers', 'controllers']);
  const own = Object.fromEntries(Object.entries(results.figures).filter(([, f]) => !comparison.has(f.bench)));
  return `${markdownTable({ ...results, figures: own })}\n${peerTable(results.figures)}`;
}

function readPrevious(file: string): Results | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const outDir = path.join(benchDir, 'out');
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'blb-bench-'));
  const reports: BenchReport[] = [];
  const benches: Record<string, BenchOutcome> = {};
  try {
    for (const plan of plans) {
      if (interrupted) break;
      log(`${plan.name}${quick ? ' (quick)' : ''} ...`);
      const { outcome, report } = await runBench(plan, path.join(tmp, `${plan.name}.json`));
      benches[plan.name] = outcome;
      log(`${plan.name}: ${outcome.ok ? 'ok' : `FAILED (${outcome.error})`} in ${outcome.seconds} s`);
      if (!report) continue;
      reports.push(report);
      for (const [name, series] of Object.entries(report.series ?? {})) {
        const file = path.join(outDir, `${plan.name}-${name}.svg`);
        writeFileSync(file, seriesSvg(series));
        log(`  drew ${path.relative(process.cwd(), file)}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (interrupted) {
    // A half run would replace the last full figures with fewer: leave results.json as it was.
    log('interrupted: bench/results.json left as it was');
    process.exitCode = 130;
    return;
  }
  const resultsFile = path.join(benchDir, 'results.json');
  const previous = options.only ? readPrevious(resultsFile) : undefined;
  const kept = carryOver(
    previous,
    plans.map((p) => p.name),
  );
  const figures = { ...kept.figures, ...mergeFigures(reports) };
  const carried = Object.keys(kept.benches);
  const results: Results = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: Math.round((performance.now() - started) / 1000),
    machine: machine(),
    figures,
    benches: { ...kept.benches, ...benches },
    missing: missingFigures(figures),
    ...(carried.length ? { carriedOver: carried } : {}),
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (carried.length) log(`kept the figures of ${carried.join(', ')} from the previous results.json`);
  process.stdout.write(summaryTable(results));
  process.stdout.write(`${results.mode} run took ${results.durationSeconds} s; wrote bench/results.json\n`);
  if (options.markdown) process.stdout.write(`\n${markdownTables(results)}`);
  if (Object.values(benches).some((b) => !b.ok)) process.exitCode = 1;
}

if (options.tables) {
  const results = readPrevious(path.join(benchDir, 'results.json'));
  if (!results) throw new Error('bench/results.json is missing or unreadable: run the benchmarks first');
  process.stdout.write(markdownTables(results));
} else {
  await main();
}
