// The native ARP request generator (bench/native/arp-flood.c): built with the machine's C compiler
// into the build cache, named by a hash of its source, and driven step by step for a zero-loss rate
// search. A step sends at one rate for a window and counts the answers (see the C file).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../../lab/kube/binaries.ts';
import type { RateStep } from './l2-client.ts';

const run = promisify(execFile);
const source = new URL('../native/arp-flood.c', import.meta.url).pathname;

/** The built generator, compiling it first when this source has not been built on this machine. */
export async function ensureArpFlood(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), 'bench');
  const program = join(dir, `arp-flood-${hash}`);
  if (existsSync(program)) return program;
  await mkdir(dir, { recursive: true });
  const partial = `${program}.partial-${process.pid}`;
  try {
    await run('cc', ['-O2', '-Wall', '-Werror', '-pthread', '-o', partial, source]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`cc could not build ${source}${stderr ? `: ${stderr}` : ''} (apt-get install gcc)`);
  }
  await rename(partial, program);
  return program;
}

export interface FloodTarget {
  readonly netns: string;
  readonly ifname: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly targetIpv4: string;
}

export async function floodStep(
  program: string,
  t: FloodTarget,
  rate: number,
  windowMs: number,
): Promise<RateStep> {
  const args = [
    'netns',
    'exec',
    t.netns,
    program,
    t.ifname,
    t.mac,
    t.ipv4,
    t.targetIpv4,
    String(rate),
    String(windowMs),
  ];
  const { stdout } = await run('ip', args, { timeout: windowMs + 10_000 });
  return JSON.parse(stdout) as RateStep;
}

/**
 * The rate steps of a search: from well below the old Node client's ceiling to well above it. A lab
 * segment floods every request to every node, so there the steps start lower.
 */
export function floodRates(quick: boolean, onLabSegment = false): number[] {
  const low = onLabSegment ? [10_000, 25_000] : [];
  return quick
    ? [...low, 50_000, 100_000, 200_000, 400_000, 800_000]
    : [...low, 50_000, 100_000, 200_000, 300_000, 400_000, 600_000, 800_000, 1_000_000, 1_500_000, 2_000_000];
}

/** Steps up through `rates` until the first step with a lost request. */
export async function floodSearch(
  program: string,
  t: FloodTarget,
  rates: readonly number[],
  windowMs: number,
): Promise<RateStep[]> {
  const steps: RateStep[] = [];
  for (const rate of rates) {
    const step = await floodStep(program, t, rate, windowMs);
    steps.push(step);
    if (step.replies < step.sent) break;
  }
  return steps;
}
