// Kubernetes API requests per announced Service, from kube-apiserver's own apiserver_request_total:
// the count over a window in which N new LoadBalancer Services are created and announced, less the
// count over an idle window of the same length just before (Lease renewals and resyncs go on all the
// time). Whatever else a new Service costs on any cluster (kube-controller-manager's EndpointSlice
// writes, the creates themselves) is the same in every lab, so the differences between labs are the
// implementations' own.
import type { Kubectl } from '../../lab/kubectl.ts';
import { sleep } from './failover-lab.ts';

/** The sum of every apiserver_request_total series in a /metrics text. */
export function totalRequests(metricsText: string): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    const m = /^apiserver_request_total\{[^}]*\} (\S+)$/.exec(line);
    if (m) total += Number(m[1]);
  }
  return total;
}

function serviceObject(namespace: string, name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: {
      type: 'LoadBalancer',
      selector: { 'app.kubernetes.io/name': 'echo' },
      ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }],
    },
  };
}

export interface RequestCount {
  readonly services: number;
  readonly windowS: number;
  readonly idleRequests: number;
  readonly loadedRequests: number;
  readonly perService: number;
}

/** Creates `services` Services in `namespace` (which must exist) and counts as described above. */
export async function requestsPerService(
  kubectl: Kubectl,
  namespace: string,
  services: number,
  windowMs: number,
): Promise<RequestCount> {
  const scrape = async () => totalRequests(await kubectl('get', '--raw', '/metrics'));
  const idleStart = await scrape();
  await sleep(windowMs);
  const loadStart = await scrape();
  const idleRequests = loadStart - idleStart;
  await kubectl.apply(Array.from({ length: services }, (_, i) => serviceObject(namespace, `api-count-${i}`)));
  await sleep(windowMs);
  // The scrapes' own GETs of /metrics fall one into each window, and cancel out.
  const loadedRequests = (await scrape()) - loadStart;
  return {
    services,
    windowS: windowMs / 1000,
    idleRequests,
    loadedRequests,
    perService: (loadedRequests - idleRequests) / services,
  };
}
