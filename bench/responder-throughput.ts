// Responder figures (no assertions): answerFrame calls per second on one core for the frame kinds the
// speaker's packet sockets see, with 1,000 led addresses of each family. Each kind runs for a fixed number of
// frames after a warm-up (fewer with --quick).
// Run: node_modules/.bin/node bench/responder-throughput.ts [--quick] [--json FILE]
import { type IP, parseIP } from '../common/ip-address.ts';
import { arpRequest, neighborSolicitation } from '../speaker/packets/neighbor-requests.ts';
import { answerFrame, LedAddresses } from '../speaker/packets/responder.ts';
import type { Figure } from './lib/figures.ts';
import { benchArgs, report } from './lib/figures.ts';

const args = benchArgs();

const ourMac = Uint8Array.from([2, 0, 0, 0, 0, 0x0b]);
const clientMac = Uint8Array.from([2, 0, 0, 0, 0, 0x0a]);
const framesPerKind = args.quick ? 300_000 : 2_000_000;

const ip = (text: string): IP => parseIP(text)!;
const v4 = (i: number): IP => ({ family: 4, value: ip('198.51.100.0').value + BigInt(i) });
const v6 = (i: number): IP => ({ family: 6, value: ip('2001:db8::').value + BigInt(i) });

const led = new LedAddresses();
led.set(Array.from({ length: 1000 }, (_, i) => [v4(i % 250), v6(i)]).flat());

// A few distinct frames per kind so lookups don't all hit one hash slot.
const variants = (make: (i: number) => Uint8Array): Uint8Array[] =>
  Array.from({ length: 16 }, (_, i) => make(i));
const kinds: Record<string, Uint8Array[]> = {
  'ARP request, led (reply)': variants((i) => arpRequest(clientMac, ip('198.51.100.250'), v4(i))),
  'ARP request, not led (ignore)': variants((i) =>
    arpRequest(clientMac, ip('198.51.100.250'), ip(`203.0.113.${i}`)),
  ),
  'NS, led (reply)': variants((i) => neighborSolicitation(clientMac, ip('fe80::a'), v6(i))),
  'NS, not led (ignore)': variants((i) =>
    neighborSolicitation(clientMac, ip('fe80::a'), ip(`2001:db8:1::${i + 1}`)),
  ),
  'NS, bad checksum (drop)': variants((i) => {
    const frame = neighborSolicitation(clientMac, ip('fe80::a'), v6(i));
    frame[56]! ^= 1;
    return frame;
  }),
};

function run(frames: Uint8Array[], count: number): number {
  let replies = 0;
  for (let i = 0; i < count; i++) if (answerFrame(frames[i & 15]!, ourMac, led).kind === 'reply') replies++;
  return replies;
}

const results: Record<string, { framesPerSecond: number; nsPerFrame: number }> = {};
for (const [name, frames] of Object.entries(kinds)) {
  run(frames, 100_000);
  const started = process.hrtime.bigint();
  run(frames, framesPerKind);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  results[name] = {
    framesPerSecond: Math.round(framesPerKind / seconds),
    nsPerFrame: Math.round((seconds / framesPerKind) * 1e9),
  };
}
// Figure names for the kinds; the rest stay in details.
const figureNames: Record<string, string> = {
  'ARP request, led (reply)': 'responder_arp_frames_per_s',
  'ARP request, not led (ignore)': 'responder_arp_ignore_frames_per_s',
  'NS, led (reply)': 'responder_ns_frames_per_s',
  'NS, not led (ignore)': 'responder_ns_ignore_frames_per_s',
};
const figures: Record<string, Figure> = {};
for (const [kind, name] of Object.entries(figureNames)) {
  figures[name] = {
    value: results[kind]!.framesPerSecond,
    unit: 'frames/s',
    reference: `answerFrame calls per second on one core, "${kind}", ${led.size} led addresses; ${results[kind]!.nsPerFrame} ns per frame`,
    samples: framesPerKind,
  };
}
report(args, {
  bench: 'responder-throughput',
  quick: args.quick,
  figures,
  details: { framesPerKind, ledAddresses: led.size, results },
});
