// ARP for IPv4 over Ethernet (RFC 826): parsing, reply and gratuitous frames.
//
// API
//   parseArp(frame, offset) → ArpPacket | ArpDropReason     (offset = start of the ARP header, 14 after Ethernet)
//   buildArpFrame(ethDestination, ethSource, packet)        → a complete 42-byte Ethernet frame
//   arpReplyFrame(request, ourMac)                          → the unicast reply Linux would send to a request
//   gratuitousArpFrames(ip, ourMac)                         → [request form, reply form], both to broadcast
// Only Ethernet/IPv4 ARP is understood: any other hardware or protocol type or address length is a drop.
import {
  allocateFrame,
  broadcastMac,
  ethernetHeaderLength,
  etherTypeArp,
  macLength,
  readUint16,
  writeBytes,
  writeEthernetHeader,
  writeUint16,
  zeroMac,
} from './ethernet.ts';

export const arpOperationRequest = 1;
export const arpOperationReply = 2;
export const arpPacketLength = 28;
export const arpFrameLength = ethernetHeaderLength + arpPacketLength;

const hardwareTypeEthernet = 1;
const protocolTypeIPv4 = 0x0800;
const ipv4Length = 4;

export interface ArpPacket {
  readonly operation: number;
  /** 6-byte MACs and 4-byte IPv4 addresses; views into the frame when parsed. */
  readonly senderMac: Uint8Array;
  readonly senderIp: Uint8Array;
  readonly targetMac: Uint8Array;
  readonly targetIp: Uint8Array;
}

export const arpDropReasons = [
  'arp truncated',
  'arp hardware type',
  'arp protocol type',
  'arp address lengths',
] as const;
export type ArpDropReason = (typeof arpDropReasons)[number];

/** Trailing bytes (Ethernet padding to 60 bytes) are allowed and ignored. */
export function parseArp(frame: Uint8Array, offset: number): ArpPacket | ArpDropReason {
  if (frame.length - offset < arpPacketLength) return 'arp truncated';
  if (readUint16(frame, offset) !== hardwareTypeEthernet) return 'arp hardware type';
  if (readUint16(frame, offset + 2) !== protocolTypeIPv4) return 'arp protocol type';
  if (frame[offset + 4] !== macLength || frame[offset + 5] !== ipv4Length) return 'arp address lengths';
  return {
    operation: readUint16(frame, offset + 6),
    senderMac: frame.subarray(offset + 8, offset + 14),
    senderIp: frame.subarray(offset + 14, offset + 18),
    targetMac: frame.subarray(offset + 18, offset + 24),
    targetIp: frame.subarray(offset + 24, offset + 28),
  };
}

export function buildArpFrame(
  ethDestination: Uint8Array,
  ethSource: Uint8Array,
  packet: ArpPacket,
): Uint8Array {
  const frame = allocateFrame(arpFrameLength);
  writeEthernetHeader(frame, ethDestination, ethSource, etherTypeArp);
  const at = ethernetHeaderLength;
  writeUint16(frame, at, hardwareTypeEthernet);
  writeUint16(frame, at + 2, protocolTypeIPv4);
  frame[at + 4] = macLength;
  frame[at + 5] = ipv4Length;
  writeUint16(frame, at + 6, packet.operation);
  writeBytes(frame, at + 8, packet.senderMac, macLength, 'ARP sender MAC');
  writeBytes(frame, at + 14, packet.senderIp, ipv4Length, 'ARP sender IP');
  writeBytes(frame, at + 18, packet.targetMac, macLength, 'ARP target MAC');
  writeBytes(frame, at + 24, packet.targetIp, ipv4Length, 'ARP target IP');
  return frame;
}

/**
 * As Linux's arp_process: unicast to the requester's ARP sender MAC, "target IP is at our MAC", addressed
 * back to the sender's IP — 0.0.0.0 for an RFC 5227 probe, which Linux answers the same way.
 */
export function arpReplyFrame(request: ArpPacket, ourMac: Uint8Array): Uint8Array {
  return buildArpFrame(request.senderMac, ourMac, {
    operation: arpOperationReply,
    senderMac: ourMac,
    senderIp: request.targetIp,
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
}

/**
 * The two gratuitous forms a Linux neighbour cache accepts even within its locktime: a request with sender
 * IP = target IP and a zero target MAC, and a reply whose target MAC equals its sender MAC (a reply to
 * ff:ff:ff:ff:ff:ff would be ignored). Both go to broadcast. ipv4 is the 4-byte address.
 */
export function gratuitousArpFrames(ipv4: Uint8Array, ourMac: Uint8Array): Uint8Array[] {
  const request = { operation: arpOperationRequest, senderMac: ourMac, senderIp: ipv4, targetIp: ipv4 };
  return [
    buildArpFrame(broadcastMac, ourMac, { ...request, targetMac: zeroMac }),
    buildArpFrame(broadcastMac, ourMac, { ...request, operation: arpOperationReply, targetMac: ourMac }),
  ];
}
