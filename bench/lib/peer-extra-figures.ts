// The peers benchmark's API-request figures and its ARP latency plot. Pure.
import { isOurs, type LoadBalancerName } from '../../lab/announcers.ts';
import type { RequestCount } from './api-requests.ts';
import type { Figure, Series } from './figures.ts';
import { figureKey, round } from './figures.ts';
import type { VipAnswers } from './peer-arp.ts';

export function apiRequestFigures(
  counts: ReadonlyMap<LoadBalancerName, RequestCount>,
  versions: Readonly<Record<LoadBalancerName, string>>,
): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  const ours = counts.get('baremetal-lb');
  for (const [lb, c] of counts) {
    figures[`peers_api_requests_per_service_${figureKey(lb)}`] = {
      value: round(c.perService, 1),
      unit: 'count',
      reference:
        `${versions[lb]}: kube-apiserver's apiserver_request_total over ${c.windowS} s after creating ${c.services} ` +
        `LoadBalancer Services (${c.loadedRequests}), less the same window idle just before (${c.idleRequests}), ` +
        "÷ Services; includes kubectl's own apply and kube-controller-manager's EndpointSlice writes, alike in every lab",
      samples: c.services,
    };
    if (!ours || isOurs(lb)) continue;
    figures[`peers_api_requests_ratio_${figureKey(lb)}`] = {
      value: round(ours.perService / c.perService, 3),
      unit: 'ratio',
      reference: `baremetal-lb's API requests per new Service (${round(ours.perService, 1)}) ÷ ${versions[lb]}'s (${round(c.perService, 1)}), same run`,
    };
  }
  return figures;
}

export function arpDistribution(
  answers: ReadonlyMap<LoadBalancerName, VipAnswers>,
  versions: Readonly<Record<LoadBalancerName, string>>,
): Series {
  return {
    kind: 'distribution',
    title: 'ARP request → reply latency for the VIP at the lab client, by implementation',
    unit: 'µs',
    lines: Object.fromEntries([...answers].map(([lb, a]) => [versions[lb], a.arp.samples.slice(0, 5000)])),
  };
}
