// The lab's hosts as plain data: names, addresses and MACs for a client and N nodes on one L2
// segment. Deterministic, so a test or a newcomer can predict every address before anything runs.

export interface LabHost {
  /** Kubernetes Node name for nodes, "client" for the client. */
  readonly name: string;
  readonly netns: string;
  readonly interface: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** The switch-side end of this host's cable. */
  readonly switchPort: string;
}

export interface LabTopology {
  readonly prefix: string;
  /** Namespace holding the bridge that plays the L2 switch. */
  readonly switchNetns: string;
  readonly bridge: string;
  readonly client: LabHost;
  readonly nodes: readonly LabHost[];
  readonly ipv4PrefixLength: 24;
  readonly ipv6PrefixLength: 64;
}

export const maxNodes = 50;

// 192.0.2.0/24 and 2001:db8::/64 are documentation ranges, so nothing here can collide with a
// real network. Hosts take .10 (client) and .11 upwards (nodes); the pool lives at .240/28.
function host(prefix: string, name: string, index: number): LabHost {
  const octet = 10 + index;
  return {
    name,
    netns: `${prefix}-${name}`,
    interface: 'eth0',
    // Locally administered unicast MACs whose last byte matches the address, easy to read in arping output.
    mac: `02:00:c0:00:02:${octet.toString(16).padStart(2, '0')}`,
    ipv4: `192.0.2.${octet}`,
    ipv6: `2001:db8::${octet.toString(16)}`,
    switchPort: `p-${name}`.slice(0, 15),
  };
}

/** Namespaces are named `${prefix}-…`; the prefix keeps concurrent labs (and tests) apart. */
export function planTopology(prefix: string, nodeCount: number): LabTopology {
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(prefix)) {
    throw new Error(
      `lab prefix "${prefix}" must be 1-16 lower-case letters, digits or dashes, starting with a letter`,
    );
  }
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > maxNodes) {
    throw new Error(`node count ${nodeCount} must be a whole number from 1 to ${maxNodes}`);
  }
  return {
    prefix,
    switchNetns: `${prefix}-switch`,
    bridge: 'br0',
    client: host(prefix, 'client', 0),
    nodes: Array.from({ length: nodeCount }, (_, i) => host(prefix, `node-${i + 1}`, i + 1)),
    ipv4PrefixLength: 24,
    ipv6PrefixLength: 64,
  };
}
