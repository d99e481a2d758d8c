// The lab's stand-in for kube-proxy in IPVS mode: a node accepts traffic for a Service's VIP
// because the VIP sits on a local interface (IPVS uses kube-ipvs0; this kernel has no dummy
// driver, so `lo`). With strictARP (segment.ts) the kernel never answers ARP/NDP for it: that is
// the speaker's job alone.
import { ip } from './ip-command.ts';

const vipInterface = 'lo';

interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
}

export function vipPrefix(vip: string): string {
  return vip.includes(':') ? `${vip}/128` : `${vip}/32`;
}

/** What to add and remove so that exactly `desired` (besides loopback's own) is bound. */
export function planVipChanges(present: readonly string[], desired: readonly string[]) {
  const want = new Set(desired);
  const have = new Set(present);
  return {
    add: [...want].filter((v) => !have.has(v)).sort(),
    remove: [...have].filter((v) => !want.has(v)).sort(),
  };
}

async function boundVips(netns: string): Promise<string[]> {
  const out = await ip('-n', netns, '-j', 'addr', 'show', 'dev', vipInterface);
  const [link] = JSON.parse(out) as { addr_info: AddrInfo[] }[];
  return (link?.addr_info ?? [])
    .filter((a) => a.local !== '127.0.0.1' && a.local !== '::1')
    .map((a) => a.local);
}

export async function syncVips(netns: string, desired: readonly string[]): Promise<void> {
  const { add, remove } = planVipChanges(await boundVips(netns), desired);
  for (const vip of add) await ip('-n', netns, 'addr', 'add', vipPrefix(vip), 'dev', vipInterface);
  for (const vip of remove) await ip('-n', netns, 'addr', 'del', vipPrefix(vip), 'dev', vipInterface);
}
