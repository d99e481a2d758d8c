// The lab's kube-proxy: binds every LoadBalancer ingress IP on every lab node (see
// network/vip-binding.ts), as kube-proxy in IPVS mode binds them on kube-ipvs0. It polls rather
// than watches so that an API server restart in the lab needs no reconnect logic here.

import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { syncVips } from './network/vip-binding.ts';

export function loadBalancerIPs(
  services: readonly { status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }[],
) {
  return [
    ...new Set(
      services.flatMap((s) => s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])),
    ),
  ].sort();
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      netns: { type: 'string', multiple: true },
      'interval-ms': { type: 'string' },
    },
  });
  if (!values.kubeconfig || !values.netns?.length) {
    process.stderr.write(
      'usage: kube-proxy --kubeconfig FILE --netns NS [--netns NS…] [--interval-ms 200]\n',
    );
    return 2;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(values.kubeconfig);
  const api = kc.makeApiClient(CoreV1Api);
  const interval = Number(values['interval-ms'] ?? 200);
  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
  });
  let last = '';
  while (!stopping) {
    try {
      const list = await api.listServiceForAllNamespaces();
      const vips = loadBalancerIPs(list.items.filter((s) => s.spec?.type === 'LoadBalancer'));
      const key = vips.join(',');
      if (key !== last) {
        for (const netns of values.netns) await syncVips(netns, vips);
        process.stdout.write(
          `${JSON.stringify({ time: new Date().toISOString(), msg: 'vips bound', vips })}\n`,
        );
        last = key;
      }
    } catch (error) {
      process.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), msg: 'sync failed', err: String(error) })}\n`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
