// ARP and NDP answer latency, and the zero-loss ARP request rate, for the VIP of each
// implementation's lab, measured from that lab's client with bench/lib/l2-client.ts: requests for the
// VIP alternate with requests for the announcing node's own address, which the node's kernel
// answers, so each implementation also gets a kernel reference taken on the same path in the same
// moment. MetalLB and baremetal-lb answer for the VIP from user space; kube-vip and keepalived put
// the VIP on the interface, so there the kernel answers both.
import { isOurs, type LoadBalancerName } from '../../lab/announcers.ts';
import { ensureArpFlood, floodRates, floodSearch } from './arp-flood.ts';
import type { FailoverLab } from './failover-lab.ts';
import type { Figure } from './figures.ts';
import { figureKey, round } from './figures.ts';
import type { ClientPlan, ClientResult, LatencyFigures, RateStep } from './l2-client.ts';
import { inNetns } from './netns-pair.ts';
import { clientLimited, zeroLossRate } from './rate-steps.ts';

const client = new URL('./l2-client.ts', import.meta.url).pathname;

export interface VipMeasurement {
  readonly latency: ClientResult;
  /** The native generator's zero-loss search for the VIP. */
  readonly rates: RateStep[];
}

export async function measureVipAnswers(
  lab: FailoverLab,
  leader: string,
  quick: boolean,
): Promise<VipMeasurement> {
  const node = lab.topology.nodes.find((n) => n.name === leader);
  if (!node) throw new Error(`leader "${leader}" is no lab node`);
  const c = lab.topology.client;
  const plan: ClientPlan = {
    ifname: c.interface,
    mac: c.mac,
    ipv4: c.ipv4,
    ipv6: c.ipv6,
    kernel: { ipv4: node.ipv4, ipv6: node.ipv6 },
    ours: { ipv4: lab.vip, ipv6: lab.state.ingress.ipv6 ?? node.ipv6 },
    samples: quick ? 500 : 3000,
    gapMs: 1,
  };
  const latency = JSON.parse(
    await inNetns(c.netns, process.execPath, client, JSON.stringify(plan)),
  ) as ClientResult;
  const from = { netns: c.netns, ifname: c.interface, mac: c.mac, ipv4: c.ipv4, targetIpv4: lab.vip };
  const rates = await floodSearch(await ensureArpFlood(), from, floodRates(quick, true), quick ? 200 : 300);
  return { latency, rates };
}

export interface VipAnswers {
  readonly arp: LatencyFigures;
  readonly ndp: LatencyFigures | undefined;
  readonly kernelArp: LatencyFigures;
  readonly zeroLossRps: number;
  /** No loss even at the fastest the generator sent: the generator, not the responder, was the ceiling. */
  readonly generatorLimited: boolean;
}

export function vipAnswers(
  { latency: result, rates: steps }: VipMeasurement,
  answersIpv6: boolean,
): VipAnswers {
  return {
    arp: result.arp.ours,
    ndp: answersIpv6 ? result.ndp.ours : undefined,
    kernelArp: result.arp.kernel,
    zeroLossRps: zeroLossRate(steps),
    generatorLimited: clientLimited(steps),
  };
}

export function vipAnswerFigures(
  answers: ReadonlyMap<LoadBalancerName, VipAnswers>,
  versions: Readonly<Record<LoadBalancerName, string>>,
): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  const ours = answers.get('baremetal-lb');
  for (const [lb, a] of answers) {
    const where = `${versions[lb]}, from the lab client through the lab switch`;
    for (const q of ['p50', 'p99'] as const) {
      figures[`peers_arp_${q}_us_${figureKey(lb)}`] = {
        value: a.arp[q],
        unit: 'µs',
        reference: `ARP request → reply for the VIP, ${where} (the node's kernel for its own address, interleaved: ${a.kernelArp[q]} µs)`,
        samples: a.arp.samples.length,
        ...(a.arp.lost ? { note: `${a.arp.lost} unanswered within 20 ms` } : {}),
      };
      if (a.ndp) {
        figures[`peers_ndp_${q}_us_${figureKey(lb)}`] = {
          value: a.ndp[q],
          unit: 'µs',
          reference: `NDP solicitation → advertisement for the IPv6 VIP, ${where}`,
          samples: a.ndp.samples.length,
        };
      }
    }
    figures[`peers_arp_zero_loss_rps_${figureKey(lb)}`] = {
      value: a.zeroLossRps,
      unit: 'rps',
      reference: `highest achieved ARP request rate for the VIP with every request answered, ${where}`,
      ...(a.generatorLimited ? { note: 'no loss at the fastest step: the generator set the ceiling' } : {}),
    };
    if (!ours || isOurs(lb)) continue;
    figures[`peers_arp_p50_ratio_${figureKey(lb)}`] = {
      value: round(ours.arp.p50 / a.arp.p50, 3),
      unit: 'ratio',
      reference: `baremetal-lb's ARP reply p50 (${ours.arp.p50} µs) ÷ ${versions[lb]}'s (${a.arp.p50} µs), same run`,
      ...(lb === 'metallb' ? { target: '≤ 1.0', met: ours.arp.p50 <= a.arp.p50 } : {}),
    };
    // A peer that lost requests even at the lowest step has no zero-loss rate to divide by.
    const comparable = a.zeroLossRps > 0;
    figures[`peers_arp_zero_loss_ratio_${figureKey(lb)}`] = {
      value: comparable ? round(ours.zeroLossRps / a.zeroLossRps, 3) : Number.NaN,
      unit: 'ratio',
      reference: `baremetal-lb's zero-loss ARP rate (${ours.zeroLossRps} rps) ÷ ${versions[lb]}'s (${a.zeroLossRps} rps), same run`,
      ...(lb === 'metallb' && comparable ? { target: '≥ 1.0', met: ours.zeroLossRps >= a.zeroLossRps } : {}),
      ...(ours.generatorLimited || a.generatorLimited
        ? {
            note: 'the generator set a ceiling in at least one of the two: the ratio is a lower bound of the gap',
          }
        : {}),
    };
  }
  return figures;
}
