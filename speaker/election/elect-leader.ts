// Which node announces a Service's IPs: every speaker computes the same answer from the same inputs,
// with no coordination. The order is MetalLB's (speaker/layer2_controller.go, ShouldAnnounce): nodes
// sorted by sha256(node + "#" + ip) compared byte-wise, first wins — kept bit-for-bit so a fleet that
// mixes MetalLB and baremetal-lb speakers still agrees on one announcer per IP.

import { createHash } from 'node:crypto';
import { formatIP, parseIP } from '../../common/ip-address.ts';

const ipv4MappedPrefix = 0xffffn << 32n;

/**
 * The text MetalLB hashes: Go's net.IP.String(). That is our canonical form, except that Go prints
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) as plain IPv4. Unparseable text is hashed as given.
 */
export function electionKeyText(ip: string): string {
  const parsed = parseIP(ip);
  if (parsed === undefined) return ip;
  if (parsed.family === 6 && parsed.value >> 32n === ipv4MappedPrefix >> 32n) {
    return formatIP({ family: 4, value: parsed.value & 0xffffffffn });
  }
  return formatIP(parsed);
}

function rank(node: string, ipText: string): Buffer {
  return createHash('sha256').update(`${node}#${ipText}`).digest();
}

/**
 * Candidates (deduplicated) from most to least preferred announcer of `ip`: a higher preference
 * score first (MetalLB's preferredNodeSelectors; none = 0), then the hash.
 */
export function electionOrder(
  ip: string,
  candidates: Iterable<string>,
  scores: ReadonlyMap<string, number> = new Map(),
): string[] {
  const ipText = electionKeyText(ip);
  const ranked = [...new Set(candidates)].map((node) => ({
    node,
    score: scores.get(node) ?? 0,
    hash: rank(node, ipText),
  }));
  ranked.sort((a, b) => b.score - a.score || Buffer.compare(a.hash, b.hash));
  return ranked.map((r) => r.node);
}

/**
 * The node that announces every IP of a Service. Key it by the Service's FIRST ingress IP (as
 * MetalLB does), so dual-stack Services and Services with several IPs announce from one node.
 * Undefined when there is no candidate.
 */
export function electLeader(
  firstIP: string,
  candidates: Iterable<string>,
  scores?: ReadonlyMap<string, number>,
): string | undefined {
  return electionOrder(firstIP, candidates, scores)[0];
}
