// baremetal-lb beside the real MetalLB, kube-vip and keepalived, in one run. A 3-node lab of each on
// the real control plane (`lab up --kube real --lb …`: ours with its default and its fast timing,
// MetalLB, kube-vip, keepalived with its defaults and tuned), all up at once. Then, in turn: idle
// memory and CPU of each one's controller and announcers over one shared window; ARP and NDP answers
// and the zero-loss ARP rate for each VIP from its lab's client; failover as the client sees it (a
// trial is the one of bench/failover-client.ts: a GET every 10 ms; SIGKILL of the announcer's process
// tree with its cable pulled, or SIGTERM), crash and graceful, the labs interleaved round after round
// so that machine noise falls on all alike; last, kube-apiserver requests per new Service.
// Run: node_modules/.bin/node bench/peers.ts [--quick] [--json FILE] [--trials N]

import { dirname } from 'node:path';
import { isKeepalived, type LoadBalancerName, loadBalancers } from '../lab/announcers.ts';
import { kubeVipVersion, metallbVersion } from '../lab/kube/binaries.ts';
import { kubectlFor } from '../lab/kubectl.ts';
import { ingress } from '../lab/lab-up.ts';
import { installedKeepalivedVersion } from '../lab/peers/keepalived.ts';
import { isAlive } from '../lab/processes.ts';
import { electionOrder } from '../speaker/election/elect-leader.ts';
import { type RequestCount, requestsPerService } from './lib/api-requests.ts';
import { type FailoverLab, startFailoverLab, wallMs } from './lib/failover-lab.ts';
import { type Kind, runTrial, steadyLeader, type Trial } from './lib/failover-trial.ts';
import { benchArgs, report, round } from './lib/figures.ts';
import { idleFigures, measureIdle } from './lib/idle-usage.ts';
import { measureVipAnswers, type VipAnswers, vipAnswerFigures, vipAnswers } from './lib/peer-arp.ts';
import { apiRequestFigures, arpDistribution } from './lib/peer-extra-figures.ts';
import { failoverResults } from './lib/peer-failover.ts';

const nodeCount = 3;
const kinds: readonly Kind[] = ['crash', 'graceful'];
const keepalivedVersion = await installedKeepalivedVersion();
const versions: Record<LoadBalancerName, string> = {
  'baremetal-lb': 'baremetal-lb (this tree)',
  'baremetal-lb-fast': 'baremetal-lb --timing fast',
  metallb: `MetalLB ${metallbVersion}`,
  'kube-vip': `kube-vip ${kubeVipVersion}`,
  keepalived: `keepalived ${keepalivedVersion} (defaults: VRRPv2, advert_int 1)`,
  'keepalived-tuned': `keepalived ${keepalivedVersion} (tuned: VRRPv3, advert_int 0.1)`,
};

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
/** New Services per lab for the API request count, and the length of each of its two windows. */
const apiServices = 20;
const apiWindowMs = args.quick ? 8000 : 15_000;
/** keepalived's VRRP instance holds the IPv4 VIP only. */
const servesIpv6 = (lb: LoadBalancerName) => !isKeepalived(lb);

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

/** baremetal-lb's leader by its deterministic election; a peer's is read from the lab (steadyLeader). */
const expectedLeader = (lab: FailoverLab) =>
  electionOrder(
    lab.vip,
    lab.topology.nodes.map((n) => n.name),
  )[0]!;

async function answersPhase(labs: ReadonlyMap<LoadBalancerName, FailoverLab>) {
  const answers = new Map<LoadBalancerName, VipAnswers>();
  for (const [lb, lab] of labs) {
    const leader = await steadyLeader(lab, expectedLeader(lab));
    log(`${lb}: ARP and NDP answers for ${lab.vip} from ${leader}`);
    answers.set(lb, vipAnswers(await measureVipAnswers(lab, leader, args.quick), servesIpv6(lb)));
  }
  return answers;
}

async function failoverPhase(labs: ReadonlyMap<LoadBalancerName, FailoverLab>) {
  const trials = new Map<LoadBalancerName, Trial[]>([...labs.keys()].map((lb) => [lb, []]));
  for (let i = 1; i <= trialsPerKind; i++) {
    for (const kind of kinds) {
      for (const [lb, lab] of labs) {
        const t = await runTrial(lab, kind, expectedLeader(lab)).catch(async (error: Error) => {
          throw new Error(`${lb} ${kind} trial ${i}: ${error.message}`);
        });
        trials.get(lb)!.push(t);
        log(
          `${lb} ${kind} ${i}/${trialsPerKind}: ${ms(t.failoverS)} from ${t.struck} to ${t.newNode ?? '-'}`,
        );
      }
    }
  }
  return trials;
}

/** keepalived announces no Service (its VIP is fixed in its config), so it has no per-Service cost. */
async function apiRequestsPhase(labs: ReadonlyMap<LoadBalancerName, FailoverLab>) {
  const counts = new Map<LoadBalancerName, RequestCount>();
  for (const [lb, lab] of labs) {
    if (isKeepalived(lb)) continue;
    const kubectl = kubectlFor(lab.state.kubeconfig, dirname(lab.state.kubeconfig), lab.state.kubectl);
    counts.set(lb, await requestsPerService(kubectl, ingress.namespace, apiServices, apiWindowMs));
    log(`${lb}: ${round(counts.get(lb)!.perService, 1)} API requests per new Service`);
  }
  return counts;
}

/** For a failed run: every lab process that has exited, with the end of its log. */
async function reportDeadProcesses(labs: ReadonlyMap<LoadBalancerName, FailoverLab>) {
  for (const [lb, lab] of labs) {
    for (const p of lab.state.processes) {
      if (isAlive(p.pid)) continue;
      const tail = (await lab.logText(p.name)).trimEnd().split('\n').slice(-10).join('\n');
      log(`${lb}: ${p.name} (PID ${p.pid}) has exited; the end of its log:\n${tail}`);
    }
  }
}

async function main(): Promise<void> {
  const began = wallMs();
  const labs = await startLabs();
  let idle: Awaited<ReturnType<typeof measureIdle>>;
  let answers: Map<LoadBalancerName, VipAnswers>;
  let trials: Map<LoadBalancerName, Trial[]>;
  let requests: Map<LoadBalancerName, RequestCount>;
  try {
    log(`idle: every lab's controller and announcers over ${idleWindowMs / 1000} s`);
    idle = await measureIdle(new Map([...labs].map(([lb, lab]) => [lb, lab.state])), idleWindowMs);
    answers = await answersPhase(labs);
    trials = await failoverPhase(labs);
    requests = await apiRequestsPhase(labs);
  } catch (error) {
    await reportDeadProcesses(labs);
    throw error;
  } finally {
    for (const lab of labs.values()) await lab.down();
  }
  const failover = failoverResults(trials, versions, nodeCount);
  report(args, {
    bench: 'peers',
    quick: args.quick,
    figures: {
      ...idleFigures(idle, versions, idleWindowMs / 1000),
      ...vipAnswerFigures(answers, versions),
      ...failover.figures,
      ...apiRequestFigures(requests, versions),
    },
    series: { ...failover.series, arp_latency: arpDistribution(answers, versions) },
    details: {
      nodes: nodeCount,
      trialsPerKind,
      versions,
      totalS: round((wallMs() - began) / 1000, 1),
      apiRequests: Object.fromEntries(requests),
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
