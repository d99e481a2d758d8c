// Idle memory and CPU of each implementation's controller and announcers, measured over one window
// in which every lab sits idle, so that all are sampled under the same machine load.
import { controllerIsOurs, isOurs, type LoadBalancerName } from '../../lab/announcers.ts';
import type { LabState } from '../../lab/lab-state.ts';
import { isAlive } from '../../lab/processes.ts';
import { sleep } from './failover-lab.ts';
import type { Figure } from './figures.ts';
import { figureKey, round } from './figures.ts';
import { cpuSeconds, rssMb } from './process-usage.ts';

export type Role = 'controller' | 'speaker';

export interface IdleUsage {
  /** Mean over the role's processes (one controller; one announcer per node). */
  readonly rssMb: number;
  /** CPU time over the window ÷ the window, in percent of one core, mean per process. */
  readonly cpuPercent: number;
  readonly processes: number;
}

const roleOf = (name: string): Role | undefined =>
  name === 'controller' ? 'controller' : name.startsWith('speaker-') ? 'speaker' : undefined;

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Samples every lab's controller and announcers at the start and the end of one `windowMs`. */
export async function measureIdle(
  labs: ReadonlyMap<LoadBalancerName, LabState>,
  windowMs: number,
): Promise<Map<LoadBalancerName, Record<Role, IdleUsage>>> {
  const tracked = [...labs].flatMap(([lb, state]) =>
    state.processes.flatMap((p) => {
      const role = roleOf(p.name);
      if (!role) return [];
      if (!isAlive(p.pid)) throw new Error(`${lb}'s ${p.name} (PID ${p.pid}) has exited; see its lab log`);
      return [{ lb, role, pid: p.pid, cpuAtStart: cpuSeconds(p.pid) }];
    }),
  );
  await sleep(windowMs);
  const sampled = tracked.map((t) => ({
    ...t,
    rss: rssMb(t.pid),
    cpuPercent: ((cpuSeconds(t.pid) - t.cpuAtStart) / (windowMs / 1000)) * 100,
  }));
  const result = new Map<LoadBalancerName, Record<Role, IdleUsage>>();
  for (const lb of labs.keys()) {
    const usage = (role: Role): IdleUsage => {
      const mine = sampled.filter((s) => s.lb === lb && s.role === role);
      return {
        rssMb: round(mean(mine.map((s) => s.rss)), 1),
        cpuPercent: round(mean(mine.map((s) => s.cpuPercent)), 2),
        processes: mine.length,
      };
    };
    result.set(lb, { controller: usage('controller'), speaker: usage('speaker') });
  }
  return result;
}

/**
 * Figures per implementation and ours ÷ each peer's. Only MetalLB brings its own controller; the
 * other labs run baremetal-lb's, whose figures are given once, under baremetal-lb.
 */
export function idleFigures(
  usage: ReadonlyMap<LoadBalancerName, Record<Role, IdleUsage>>,
  versions: Readonly<Record<LoadBalancerName, string>>,
  windowS: number,
): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  const ours = usage.get('baremetal-lb');
  for (const [lb, byRole] of usage) {
    for (const role of ['controller', 'speaker'] as const) {
      if (role === 'controller' && controllerIsOurs(lb) && lb !== 'baremetal-lb') continue;
      const u = byRole[role];
      const what = `${versions[lb]} ${role === 'speaker' ? 'announcer (mean per node)' : 'controller'}, idle with one Service, ${windowS} s window`;
      figures[`peers_idle_${role}_rss_mb_${figureKey(lb)}`] = {
        value: u.rssMb,
        unit: 'MB',
        reference: what,
        samples: u.processes,
      };
      figures[`peers_idle_${role}_cpu_pct_${figureKey(lb)}`] = {
        value: u.cpuPercent,
        unit: '% of a core',
        reference: what,
        samples: u.processes,
      };
      if (!ours || isOurs(lb)) continue;
      figures[`peers_idle_${role}_rss_ratio_${figureKey(lb)}`] = {
        value: round(ours[role].rssMb / u.rssMb, 3),
        unit: 'ratio',
        reference: `baremetal-lb's idle ${role} RSS (${ours[role].rssMb} MB) ÷ ${versions[lb]}'s (${u.rssMb} MB), same window`,
      };
    }
  }
  return figures;
}
