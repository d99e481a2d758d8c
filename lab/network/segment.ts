// Builds and removes the lab's L2 segment: one namespace per host, each cabled by a veth pair to a
// bridge that lives in a namespace of its own. Nothing is created in the root namespace.
import { inNetns, ip, listNetns } from './ip-command.ts';
import type { LabHost, LabTopology } from './topology.ts';

async function sysctl(netns: string, ...settings: string[]): Promise<void> {
  await inNetns(netns, 'sysctl', '-q', '-w', ...settings);
}

async function cable(topology: LabTopology, host: LabHost): Promise<void> {
  const sw = topology.switchNetns;
  await ip('netns', 'add', host.netns);
  await ip(
    '-n',
    sw,
    'link',
    'add',
    host.switchPort,
    'type',
    'veth',
    'peer',
    'name',
    host.interface,
    'netns',
    host.netns,
  );
  await ip('-n', sw, 'link', 'set', host.switchPort, 'master', topology.bridge, 'up');
  await ip('-n', host.netns, 'link', 'set', 'lo', 'up');
  await ip('-n', host.netns, 'link', 'set', host.interface, 'address', host.mac);
  // No DAD: the segment is ours, and waiting for it would only delay the lab by a second or two.
  await sysctl(host.netns, `net.ipv6.conf.${host.interface}.accept_dad=0`, 'net.ipv6.conf.all.accept_dad=0');
  await ip('-n', host.netns, 'link', 'set', host.interface, 'up');
  await ip(
    '-n',
    host.netns,
    'addr',
    'add',
    `${host.ipv4}/${topology.ipv4PrefixLength}`,
    'dev',
    host.interface,
  );
  await ip(
    '-n',
    host.netns,
    'addr',
    'add',
    `${host.ipv6}/${topology.ipv6PrefixLength}`,
    'dev',
    host.interface,
    'nodad',
  );
}

/**
 * Nodes take VIPs on `lo` (see kube-proxy.ts); these settings are kube-proxy's strictARP: the
 * kernel answers ARP only for addresses on the asking interface and never sources ARP from a VIP,
 * so only the elected speaker answers for a VIP.
 */
async function strictArp(host: LabHost): Promise<void> {
  await sysctl(
    host.netns,
    'net.ipv4.conf.all.arp_ignore=1',
    'net.ipv4.conf.all.arp_announce=2',
    `net.ipv4.conf.${host.interface}.arp_ignore=1`,
    `net.ipv4.conf.${host.interface}.arp_announce=2`,
  );
}

export async function createSegment(topology: LabTopology): Promise<void> {
  try {
    await ip('netns', 'add', topology.switchNetns);
    await ip('-n', topology.switchNetns, 'link', 'add', topology.bridge, 'type', 'bridge');
    await ip('-n', topology.switchNetns, 'link', 'set', topology.bridge, 'up');
    for (const host of [topology.client, ...topology.nodes]) await cable(topology, host);
    for (const node of topology.nodes) await strictArp(node);
  } catch (error) {
    await removeSegment(topology.prefix);
    throw error;
  }
}

/** Removes every namespace with the prefix, also those a crashed run left behind. */
export async function removeSegment(prefix: string): Promise<string[]> {
  const ours = (await listNetns()).filter((name) => name.startsWith(`${prefix}-`));
  for (const name of ours) await ip('netns', 'del', name).catch(() => undefined);
  return ours;
}

/** Unplugs a node's cable at the switch: the node is off the segment, as if its link died. */
export async function unplug(topology: LabTopology, host: LabHost): Promise<void> {
  await ip('-n', topology.switchNetns, 'link', 'set', host.switchPort, 'down');
}

export async function plug(topology: LabTopology, host: LabHost): Promise<void> {
  await ip('-n', topology.switchNetns, 'link', 'set', host.switchPort, 'up');
}
