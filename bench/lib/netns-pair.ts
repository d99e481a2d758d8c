// Two network namespaces joined by a veth pair, both ends named eth0: a client and a node with real
// addresses from the documentation ranges. Shared by the packet-io integration tests and benchmarks.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface NetnsHost {
  readonly netns: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface NetnsPair {
  readonly ifname: 'eth0';
  readonly client: NetnsHost;
  readonly node: NetnsHost;
}

export async function sh(command: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr?.trim() || stdout?.trim() || error}`);
  }
}

export function inNetns(netns: string, command: string, ...args: string[]): Promise<string> {
  return sh('ip', 'netns', 'exec', netns, command, ...args);
}

/** Names are `${prefix}-client` and `${prefix}-node`; put the test's PID in the prefix. */
export function planNetnsPair(prefix: string): NetnsPair {
  return {
    ifname: 'eth0',
    client: { netns: `${prefix}-client`, mac: '02:b1:b0:00:00:01', ipv4: '192.0.2.1', ipv6: '2001:db8::1' },
    node: { netns: `${prefix}-node`, mac: '02:b1:b0:00:00:02', ipv4: '192.0.2.2', ipv6: '2001:db8::2' },
  };
}

export async function createNetnsPair(pair: NetnsPair): Promise<void> {
  const hosts = [pair.client, pair.node];
  for (const host of hosts) {
    await sh('ip', 'netns', 'add', host.netns);
    // No duplicate address detection: addresses are usable at once and nothing else shares the link.
    await inNetns(
      host.netns,
      'sysctl',
      '-qw',
      'net.ipv6.conf.default.accept_dad=0',
      'net.ipv6.conf.all.accept_dad=0',
    );
    await sh('ip', '-n', host.netns, 'link', 'set', 'lo', 'up');
  }
  await sh(
    'ip',
    '-n',
    pair.client.netns,
    'link',
    'add',
    pair.ifname,
    'type',
    'veth',
    'peer',
    'name',
    pair.ifname,
    'netns',
    pair.node.netns,
  );
  for (const host of hosts) {
    await sh('ip', '-n', host.netns, 'link', 'set', pair.ifname, 'address', host.mac);
    await sh('ip', '-n', host.netns, 'addr', 'add', `${host.ipv4}/24`, 'dev', pair.ifname);
    await sh('ip', '-n', host.netns, 'addr', 'add', `${host.ipv6}/64`, 'dev', pair.ifname, 'nodad');
    await sh('ip', '-n', host.netns, 'link', 'set', pair.ifname, 'up');
  }
  // IPv6 comes up on the link only once the kernel sees the carrier (linkwatch, up to a second later);
  // until then multicast NS are dropped as unroutable. Its multicast route marks the moment.
  for (const host of hosts) {
    for (let attempt = 0; ; attempt++) {
      const routes = await sh('ip', '-n', host.netns, '-6', 'route', 'show', 'table', 'local');
      if (routes.includes(`multicast ff00::/8 dev ${pair.ifname}`)) break;
      if (attempt === 100)
        throw new Error(`IPv6 did not come up on ${pair.ifname} in ${host.netns} within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Deletes both namespaces (and with them the veth pair); quiet about ones already gone. */
export async function removeNetnsPair(pair: NetnsPair): Promise<void> {
  for (const host of [pair.client, pair.node]) {
    await sh('ip', 'netns', 'del', host.netns).catch(() => undefined);
  }
}
