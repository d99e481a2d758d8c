// The benchmark's client, run inside the client namespace: sends ARP requests / neighbour solicitations
// from its own AF_PACKET socket and takes kernel receive timestamps of the answers, so the figures don't
// include this process's own wake-up. Prints one JSON object. Argument: JSON of ClientPlan.
import { type IP, parseIP } from '../../common/ip-address.ts';
import { macToBytes } from '../../speaker/packet-io/interfaces.ts';
import { openPacketSocket, type PacketSocket } from '../../speaker/packet-io/packet-socket.ts';
import { arpRequest, neighborSolicitation } from '../../speaker/packets/neighbor-requests.ts';

export interface ClientPlan {
  readonly ifname: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** Targets answered by the kernel and by the responder under test, measured interleaved. */
  readonly kernel: { readonly ipv4: string; readonly ipv6: string };
  readonly ours: { readonly ipv4: string; readonly ipv6: string };
  readonly samples: number;
  readonly gapMs: number;
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  mean: number;
  lost: number;
  /** Every answered request's latency in µs (2 decimals), in the order measured. */
  samples: number[];
}

/** One step of a zero-loss rate search (bench/native/arp-flood.c prints one). */
export interface RateStep {
  rate: number;
  sent: number;
  replies: number;
  achievedRate: number;
}

export interface ClientResult {
  arp: { kernel: LatencyFigures; ours: LatencyFigures };
  ndp: { kernel: LatencyFigures; ours: LatencyFigures };
}

const slots = 64;
const slotSize = 256;
const replyTimeoutMs = 20;

/**
 * A socket whose answers are told apart by the last four bytes of the address they are about (ARP sender
 * IP, NA target): enough for the two targets of a run, and no per-frame allocation.
 */
class Listener {
  readonly socket: PacketSocket;
  readonly #buffer = new Uint8Array(slots * slotSize);
  readonly #lengths = new Uint32Array(slots);
  readonly #stamps = new Float64Array(slots);
  readonly #view = new DataView(this.#buffer.buffer);
  readonly #keyOffset: number;
  /** Called with (address key, kernel receive time in µs) per answer. */
  onAnswer: (key: number, at: number) => void = () => undefined;

  constructor(ifname: string, kind: 'arp-reply' | 'ndp-advert') {
    this.socket = openPacketSocket(ifname, kind, true);
    this.#keyOffset = kind === 'arp-reply' ? 28 : 62 + 12;
    this.socket.onFrames(
      this.#buffer,
      this.#lengths,
      (count) => {
        for (let i = 0; i < count; i++) {
          this.onAnswer(this.#view.getUint32(i * slotSize + this.#keyOffset), this.#stamps[i]!);
        }
      },
      this.#stamps,
    );
  }
}

function key(ip: IP): number {
  return Number(ip.value & 0xffffffffn);
}

function ip(text: string): IP {
  const parsed = parseIP(text);
  if (parsed === undefined) throw new Error(`"${text}" is not an IP address`);
  return parsed;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function figures(latencies: number[], lost: number): LatencyFigures {
  const round = (n: number): number => Math.round(n * 100) / 100;
  const samples = latencies.map(round);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    lost,
    samples,
  };
}

/** One request in flight at a time, alternating the two targets, a fixed gap apart. */
async function latency(
  listener: Listener,
  frames: { kernel: Uint8Array; ours: Uint8Array },
  keys: { kernel: number; ours: number },
  plan: ClientPlan,
): Promise<{ kernel: LatencyFigures; ours: LatencyFigures }> {
  const samples = { kernel: [] as number[], ours: [] as number[] };
  const lost = { kernel: 0, ours: 0 };
  for (let i = 0; i < plan.samples * 2; i++) {
    const which = i % 2 === 0 ? 'kernel' : 'ours';
    const answered = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), replyTimeoutMs);
      listener.onAnswer = (k, at) => {
        if (k !== keys[which]) return; // a late answer to an earlier request
        clearTimeout(timer);
        resolve(at);
      };
    });
    const sentAt = listener.socket.send(frames[which]);
    const at = await answered;
    if (at === undefined) lost[which]++;
    else samples[which].push(at - sentAt);
    await new Promise((resolve) => setTimeout(resolve, plan.gapMs));
  }
  return { kernel: figures(samples.kernel, lost.kernel), ours: figures(samples.ours, lost.ours) };
}

async function main(plan: ClientPlan): Promise<ClientResult> {
  const mac = macToBytes(plan.mac);
  const arp = new Listener(plan.ifname, 'arp-reply');
  const ndp = new Listener(plan.ifname, 'ndp-advert');
  try {
    const arpFrames = {
      kernel: arpRequest(mac, ip(plan.ipv4), ip(plan.kernel.ipv4)),
      ours: arpRequest(mac, ip(plan.ipv4), ip(plan.ours.ipv4)),
    };
    const arpKeys = { kernel: key(ip(plan.kernel.ipv4)), ours: key(ip(plan.ours.ipv4)) };
    const ndpFrames = {
      kernel: neighborSolicitation(mac, ip(plan.ipv6), ip(plan.kernel.ipv6)),
      ours: neighborSolicitation(mac, ip(plan.ipv6), ip(plan.ours.ipv6)),
    };
    const ndpKeys = { kernel: key(ip(plan.kernel.ipv6)), ours: key(ip(plan.ours.ipv6)) };
    return {
      arp: await latency(arp, arpFrames, arpKeys, plan),
      ndp: await latency(ndp, ndpFrames, ndpKeys, plan),
    };
  } finally {
    arp.socket.close();
    ndp.socket.close();
  }
}

console.log(JSON.stringify(await main(JSON.parse(process.argv[2]!) as ClientPlan)));
