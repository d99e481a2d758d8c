// The controllers benchmark's figures: each controller's time to all addresses, RSS, CPU and restart
// at each count, and baremetal-lb's ÷ MetalLB's. Pure.
import type { Figure } from './figures.ts';
import { figureKey, round } from './figures.ts';

export type Implementation = 'baremetal-lb' | 'metallb';

export interface ControllerRun {
  readonly impl: Implementation;
  readonly count: number;
  readonly assigned: number;
  readonly allIpsS: number;
  readonly idleRssMb: number;
  readonly loadedRssMb: number;
  readonly cpuS: number;
  readonly restartReadyS: number;
  readonly addressesMoved: number;
  /** One speaker of the same implementation, alone on its node: until it announces every Service. */
  readonly speakerAllS: number;
  /** How many it announced by then (fewer only when the deadline passed). */
  readonly speakerAnnounced: number;
  readonly speakerRssMb: number;
  readonly speakerCpuS: number;
}

/** The peers issue's targets for ours ÷ MetalLB at 10k Services. */
const targets: Partial<Record<string, { text: string; met: (ratio: number) => boolean }>> = {
  all_ips_10000: { text: '≤ 1.0', met: (r) => r <= 1 },
  rss_10000: { text: '≤ 1.5', met: (r) => r <= 1.5 },
  speaker_rss_10000: { text: '≤ 1.5', met: (r) => r <= 1.5 },
};

function runFigures(run: ControllerRun, metallb: string): Record<string, Figure> {
  const who = run.impl === 'metallb' ? `${metallb}'s controller` : "baremetal-lb's controller";
  const where = `${run.count} IPv6 LoadBalancer Services created 16 at a time on a fresh kube-apiserver`;
  const suffix = `${run.count}_${figureKey(run.impl)}`;
  return {
    [`ctl_all_ips_s_${suffix}`]: {
      value: run.allIpsS,
      unit: 's',
      reference: `${who}: from the first create to all ${run.count} showing an address; ${where}`,
      samples: run.assigned,
      ...(run.assigned < run.count
        ? { note: `only ${run.assigned} got an address before the deadline` }
        : {}),
    },
    [`ctl_rss_mb_${suffix}`]: {
      value: run.loadedRssMb,
      unit: 'MB',
      reference: `${who}: VmRSS once all were assigned and its CPU settled (idle before: ${run.idleRssMb} MB); ${where}`,
    },
    [`ctl_cpu_s_${suffix}`]: {
      value: run.cpuS,
      unit: 's',
      reference: `${who}: CPU seconds from the first create until it settled; ${where}`,
    },
    [`ctl_restart_s_${suffix}`]: {
      value: run.restartReadyS,
      unit: 's',
      reference: `${who}: restart with all ${run.count} assigned, from the new process's start until its metallb_allocator_addresses_in_use_total counts them all`,
    },
    [`spk_all_announced_s_${suffix}`]: {
      value: run.speakerAllS,
      unit: 's',
      reference: `${who.replace('controller', 'speaker')}, alone on a node with a ready endpoint of every Service: from its start until its metallb_speaker_announced counts all ${run.count}`,
      ...(run.speakerAnnounced < run.count
        ? { note: `only ${run.speakerAnnounced} announced before the deadline` }
        : {}),
    },
    [`spk_rss_mb_${suffix}`]: {
      value: run.speakerRssMb,
      unit: 'MB',
      reference: `${who.replace('controller', 'speaker')}: VmRSS announcing all ${run.count}, once its CPU settled`,
    },
    [`spk_cpu_s_${suffix}`]: {
      value: run.speakerCpuS,
      unit: 's',
      reference: `${who.replace('controller', 'speaker')}: CPU seconds from its start until it settled, announcing all ${run.count}`,
    },
    [`ctl_restart_moved_${suffix}`]: {
      value: run.addressesMoved,
      unit: 'count',
      reference: `${who}: Services whose address differs after that restart`,
      target: '0',
      met: run.addressesMoved === 0,
    },
  };
}

function ratio(
  name: string,
  count: number,
  ours: number,
  theirs: number,
  what: string,
  metallb: string,
): Record<string, Figure> {
  const value = round(ours / theirs, 3);
  const target = targets[`${name}_${count}`];
  return {
    [`ctl_${name}_ratio_${count}`]: {
      value,
      unit: 'ratio',
      reference: `baremetal-lb's ${what} (${ours}) ÷ ${metallb}'s (${theirs}) at ${count} Services, same run`,
      ...(target ? { target: target.text, met: target.met(value) } : {}),
    },
  };
}

export function controllerFigures(runs: readonly ControllerRun[], metallb: string): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  for (const run of runs) Object.assign(figures, runFigures(run, metallb));
  for (const count of new Set(runs.map((r) => r.count))) {
    const ours = runs.find((r) => r.count === count && r.impl === 'baremetal-lb');
    const theirs = runs.find((r) => r.count === count && r.impl === 'metallb');
    if (!ours || !theirs) continue;
    Object.assign(
      figures,
      ratio('all_ips', count, ours.allIpsS, theirs.allIpsS, 'time to all addresses in s', metallb),
      ratio('rss', count, ours.loadedRssMb, theirs.loadedRssMb, 'controller RSS in MB', metallb),
      ratio('restart', count, ours.restartReadyS, theirs.restartReadyS, 'restart time in s', metallb),
      ratio('speaker_rss', count, ours.speakerRssMb, theirs.speakerRssMb, 'speaker RSS in MB', metallb),
      ratio(
        'speaker_all',
        count,
        ours.speakerAllS,
        theirs.speakerAllS,
        'speaker time to announce all in s',
        metallb,
      ),
    );
  }
  return figures;
}
