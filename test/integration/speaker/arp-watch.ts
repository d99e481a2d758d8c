// Run inside the client namespace: asks the segment who has an address every intervalMs for
// durationMs, from its own AF_PACKET socket, and counts which MACs answered each request. Two MACs
// answering one request is a split brain. Prints one JSON object (ArpWatchResult).
// Argument: JSON of ArpWatchPlan.

import { type IP, parseIP } from '../../../common/ip-address.ts';
import { macToBytes } from '../../../speaker/packet-io/interfaces.ts';
import { openPacketSocket } from '../../../speaker/packet-io/packet-socket.ts';
import { arpRequest } from '../../../speaker/packets/neighbor-requests.ts';

export interface ArpWatchPlan {
  readonly ifname: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly target: string;
  readonly intervalMs: number;
  readonly durationMs: number;
}

export interface ArpWatchResult {
  readonly requests: number;
  readonly answered: number;
  /** Requests answered by more than one MAC. */
  readonly answeredByTwo: number;
  /** Requests answered, per MAC. */
  readonly byMac: Record<string, number>;
  /** The MAC (or MACs, joined with +) answering each request, in order; '' for none. */
  readonly timeline: string[];
}

function hexMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

async function watch(plan: ArpWatchPlan): Promise<ArpWatchResult> {
  const target = parseIP(plan.target) as IP;
  const socket = openPacketSocket(plan.ifname, 'arp-reply');
  const slots = 16;
  const buffer = new Uint8Array(slots * 256);
  const lengths = new Uint32Array(slots);
  const answers: Set<string>[] = [];
  const targetKey = Number(target.value);
  const view = new DataView(buffer.buffer);
  socket.onFrames(buffer, lengths, (count) => {
    const current = answers.at(-1);
    for (let i = 0; i < count; i++) {
      const offset = i * 256;
      // ARP in Ethernet: sender MAC at 22, sender IP at 28.
      if (view.getUint32(offset + 28) !== targetKey) continue;
      current?.add(hexMac(buffer.subarray(offset + 22, offset + 28)));
    }
  });
  const request = arpRequest(macToBytes(plan.mac), parseIP(plan.ipv4) as IP, target);
  const end = Date.now() + plan.durationMs;
  while (Date.now() < end) {
    answers.push(new Set());
    socket.send(request);
    await new Promise((r) => setTimeout(r, plan.intervalMs));
  }
  await new Promise((r) => setTimeout(r, 50));
  socket.close();
  const byMac: Record<string, number> = {};
  for (const set of answers) for (const mac of set) byMac[mac] = (byMac[mac] ?? 0) + 1;
  return {
    requests: answers.length,
    answered: answers.filter((s) => s.size > 0).length,
    answeredByTwo: answers.filter((s) => s.size > 1).length,
    byMac,
    timeline: answers.map((s) => [...s].sort().join('+')),
  };
}

if (import.meta.main) {
  process.stdout.write(
    `${JSON.stringify(await watch(JSON.parse(process.argv[2] ?? '{}') as ArpWatchPlan))}\n`,
  );
}
