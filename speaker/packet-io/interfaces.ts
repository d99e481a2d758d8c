// Which interfaces the speaker answers ARP/NDP on. The choice is a pure function of interface facts so
// it can be table-tested; readInterfaceFacts is the thin reader of those facts from /sys/class/net.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface InterfaceFacts {
  readonly name: string;
  /** ARPHRD_* link type; 1 is Ethernet. */
  readonly linkType: number;
  readonly up: boolean;
  readonly broadcast: boolean;
  readonly loopback: boolean;
  readonly noarp: boolean;
  /** The bond or bridge this interface is enslaved to, if any. */
  readonly master?: string;
  /** Lower-case colon-separated MAC. */
  readonly mac: string;
}

export interface InterfaceSelection {
  /** Glob patterns (`*` matches any run of characters) of names never used unless allowed by name. */
  readonly exclude?: readonly string[];
  /** When non-empty, only these names (L2Advertisement.spec.interfaces); they win over exclude. */
  readonly allow?: readonly string[];
}

export interface SelectedInterfaces {
  readonly selected: InterfaceFacts[];
  readonly skipped: { readonly name: string; readonly reason: string }[];
}

/** Container, overlay and tunnel devices: answering ARP there would claim VIPs inside pod networks. */
export const defaultExcludedInterfaces: readonly string[] = [
  'lo',
  'docker*',
  'veth*',
  'cali*',
  'flannel*',
  'cni*',
  'cilium*',
  'lxc*',
  'kube-ipvs*',
  'kube-bridge',
  'kube-dummy-if',
  'nodelocaldns',
  'vxlan*',
  'genev*',
  'tunl*',
  'tun*',
  'tap*',
  'weave*',
  'vethwe*',
  'datapath',
  'dummy*',
  'virbr*',
  'wg*',
  'nerdctl*',
  'podman*',
];

const ethernet = 1;
const zeroMac = '00:00:00:00:00:00';

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}

function skipReason(facts: InterfaceFacts): string | undefined {
  if (facts.loopback) return 'loopback';
  if (facts.linkType !== ethernet) return `link type ${facts.linkType} is not Ethernet`;
  if (!facts.up) return 'down';
  if (!facts.broadcast) return 'no broadcast';
  if (facts.noarp) return 'NOARP';
  if (facts.master !== undefined) return `member of ${facts.master}`;
  if (facts.mac === zeroMac) return 'no MAC address';
  return undefined;
}

/** Picks the interfaces to answer on; every skipped one comes with why, for the log. */
export function selectInterfaces(
  all: readonly InterfaceFacts[],
  selection: InterfaceSelection = {},
): SelectedInterfaces {
  const exclude = (selection.exclude ?? defaultExcludedInterfaces).map(globToRegExp);
  const allow = new Set(selection.allow ?? []);
  const selected: InterfaceFacts[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const facts of all) {
    let reason = skipReason(facts);
    if (reason === undefined) {
      if (allow.size > 0) {
        if (!allow.has(facts.name)) reason = 'not in the allowed interfaces';
      } else if (exclude.some((re) => re.test(facts.name))) {
        reason = 'excluded by name';
      }
    }
    if (reason === undefined) selected.push(facts);
    else skipped.push({ name: facts.name, reason });
  }
  return { selected, skipped };
}

// linux/if.h
const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_NOARP = 0x80;

/**
 * Facts for every interface in this network namespace (as seen through the /sys mounted for it).
 * Synchronous: sysfs attributes are generated in memory and never wait on a disk, and the rescan
 * every 10 s would otherwise cost four thread-pool round trips per attribute, a few thousand on a
 * node with a veth per Pod.
 */
export function readInterfaceFacts(sysClassNet = '/sys/class/net'): InterfaceFacts[] {
  const names = readdirSync(sysClassNet).sort();
  const facts: InterfaceFacts[] = [];
  for (const name of names) {
    const dir = join(sysClassNet, name);
    const read = (file: string): string | undefined => {
      try {
        return readFileSync(join(dir, file), 'utf8').trim();
      } catch {
        return undefined; // the interface vanished, or this attribute doesn't exist for its type
      }
    };
    const flagsText = read('flags');
    if (flagsText === undefined) continue;
    const flags = Number.parseInt(flagsText, 16);
    let master: string | undefined;
    try {
      master = basename(readlinkSync(join(dir, 'master')));
    } catch {
      master = undefined;
    }
    facts.push({
      name,
      linkType: Number(read('type')),
      up: (flags & IFF_UP) !== 0,
      broadcast: (flags & IFF_BROADCAST) !== 0,
      loopback: (flags & IFF_LOOPBACK) !== 0,
      noarp: (flags & IFF_NOARP) !== 0,
      ...(master === undefined ? {} : { master }),
      mac: read('address')?.toLowerCase() ?? zeroMac,
    });
  }
  return facts;
}

/** "aa:bb:cc:dd:ee:ff" → 6 bytes; throws naming the value when it is not a MAC. */
export function macToBytes(mac: string): Uint8Array {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`MAC address "${mac}" must be six colon-separated hex bytes`);
  }
  return Uint8Array.from(parts, (p) => Number.parseInt(p, 16));
}
