// Asking the segment who has an address: an ARP request and a neighbour solicitation to the
// solicited-node group. The speaker sends them to nudge the kernels' neighbour caches when a
// partition heals (answering-thread.ts); benchmarks and tests send them playing the client.
import { type IP, ipToBytes } from '../../common/ip-address.ts';
import { arpOperationRequest, buildArpFrame } from './arp.ts';
import { broadcastMac, zeroMac } from './ethernet.ts';
import { buildNeighborSolicitationFrame, ipv6MulticastMac, solicitedNodeMulticast } from './ndp.ts';

/** Broadcast who-has targetIp, from (senderMac, senderIp). */
export function arpRequest(senderMac: Uint8Array, senderIp: IP, targetIp: IP): Uint8Array {
  return buildArpFrame(broadcastMac, senderMac, {
    operation: arpOperationRequest,
    senderMac,
    senderIp: ipToBytes(senderIp),
    targetMac: zeroMac,
    targetIp: ipToBytes(targetIp),
  });
}

/** NS for targetIp to its solicited-node group, with a source link-layer address option. */
export function neighborSolicitation(senderMac: Uint8Array, senderIp: IP, targetIp: IP): Uint8Array {
  const group = solicitedNodeMulticast(targetIp);
  return buildNeighborSolicitationFrame(ipv6MulticastMac(group), senderMac, {
    source: ipToBytes(senderIp),
    destination: ipToBytes(group),
    target: ipToBytes(targetIp),
    sourceLinkLayer: senderMac,
  });
}
