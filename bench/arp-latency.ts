// ARP/NDP answer latency and zero-loss rate: the kernel (for the node's own address) against the
// speaker's user-space responder (for a VIP), in the same run on one veth pair.
//   node_modules/.bin/node bench/arp-latency.ts [--quick] [--json FILE]
// Figures: arp_p50_ratio, arp_p99_ratio, ndp_p50_ratio, ndp_p99_ratio (ours ÷ kernel), arp_zero_loss_rps,
// arp_zero_loss_ratio; series: the latency distributions of both. Latency = kernel receive timestamp of
// the answer at the client − the request's send time. --quick: fewer samples and rate steps.
import { startAnnouncer } from './lib/announcer-process.ts';
import { ensureArpFlood, floodRates, floodSearch } from './lib/arp-flood.ts';
import type { Figure, Series } from './lib/figures.ts';
import { benchArgs, report, round } from './lib/figures.ts';
import type { ClientPlan, ClientResult, LatencyFigures, RateStep } from './lib/l2-client.ts';
import { createNetnsPair, inNetns, planNetnsPair, removeNetnsPair } from './lib/netns-pair.ts';
import { clientLimited, zeroLossRate } from './lib/rate-steps.ts';

const args = benchArgs();
const pair = planNetnsPair(`blb-b${process.pid}`);
const vip = { ipv4: '192.0.2.100', ipv6: '2001:db8::100' };
const client = new URL('./lib/l2-client.ts', import.meta.url).pathname;
const targetRps = 200_000;

const plan: ClientPlan = {
  ifname: pair.ifname,
  mac: pair.client.mac,
  ipv4: pair.client.ipv4,
  ipv6: pair.client.ipv6,
  kernel: { ipv4: pair.node.ipv4, ipv6: pair.node.ipv6 },
  ours: vip,
  samples: args.quick ? 1000 : 5000,
  gapMs: 1,
};
/** The native generator's rate steps (bench/native/arp-flood.c), each this long. */
const flood = { rates: floodRates(args.quick), windowMs: args.quick ? 200 : 300 };

function latencyRatio(
  proto: 'ARP reply' | 'NDP advertisement',
  pick: 'p50' | 'p99',
  m: { kernel: LatencyFigures; ours: LatencyFigures },
  limit: number,
): Figure {
  const value = round(m.ours[pick] / m.kernel[pick], 2);
  const lost = m.ours.lost + m.kernel.lost;
  return {
    value,
    unit: 'ratio',
    reference:
      `kernel ${proto} ${pick} for the node's own address, same run, interleaved: ${m.kernel[pick]} µs ` +
      `(baremetal-lb for the VIP: ${m.ours[pick]} µs)`,
    samples: m.ours.samples.length,
    target: `≤ ${limit}`,
    met: value <= limit,
    ...(lost
      ? { note: `unanswered within 20 ms: kernel ${m.kernel.lost}, baremetal-lb ${m.ours.lost}` }
      : {}),
  };
}

type Rates = { kernel: RateStep[]; ours: RateStep[] };

function figures(result: ClientResult, rates: Rates): Record<string, Figure> {
  const kernelRps = zeroLossRate(rates.kernel);
  const oursRps = zeroLossRate(rates.ours);
  const limited = { kernel: clientLimited(rates.kernel), ours: clientLimited(rates.ours) };
  const steps = `native generator (bench/native/arp-flood.c), rate steps ${flood.rates.join(', ')} rps, ${flood.windowMs} ms each, stopping at the first loss`;
  const limitNote = (who: string, yes: boolean) =>
    yes ? [`${who} never lost a request: the generator set its ceiling, the real one is higher`] : [];
  return {
    arp_p50_ratio: latencyRatio('ARP reply', 'p50', result.arp, 4),
    arp_p99_ratio: latencyRatio('ARP reply', 'p99', result.arp, 8),
    ndp_p50_ratio: latencyRatio('NDP advertisement', 'p50', result.ndp, 4),
    ndp_p99_ratio: latencyRatio('NDP advertisement', 'p99', result.ndp, 8),
    arp_zero_loss_rps: {
      value: oursRps,
      unit: 'rps',
      reference: `highest achieved ARP request rate to the VIP with every request answered; ${steps}`,
      samples: rates.ours.length,
      target: `≥ ${targetRps.toLocaleString('en-US')} rps`,
      met: oursRps >= targetRps,
      ...(limited.ours ? { note: limitNote('baremetal-lb', true)[0] } : {}),
    },
    arp_zero_loss_ratio: {
      value: kernelRps ? round(oursRps / kernelRps, 2) : Number.NaN,
      unit: 'ratio',
      reference: `kernel zero-loss ARP rate for the node's own address, same run: ${kernelRps} rps; ${steps}`,
      samples: rates.kernel.length,
      ...(limited.kernel || limited.ours
        ? {
            note: [
              ...limitNote('the kernel', limited.kernel),
              ...limitNote('baremetal-lb', limited.ours),
            ].join('; '),
          }
        : {}),
    },
  };
}

function distribution(title: string, m: { kernel: LatencyFigures; ours: LatencyFigures }): Series {
  return {
    kind: 'distribution',
    title,
    unit: 'µs',
    lines: { kernel: m.kernel.samples.slice(0, 5000), 'baremetal-lb': m.ours.samples.slice(0, 5000) },
  };
}

async function main(): Promise<void> {
  await removeNetnsPair(pair);
  await createNetnsPair(pair);
  // The runner stops an overrunning bench with SIGTERM: remove the namespaces before going.
  const onTerm = () => void removeNetnsPair(pair).finally(() => process.exit(143));
  process.once('SIGTERM', onTerm);
  const announcer = await startAnnouncer(pair.node.netns, [vip.ipv4, vip.ipv6]).catch(async (error) => {
    await removeNetnsPair(pair);
    throw error;
  });
  try {
    const result = JSON.parse(
      await inNetns(pair.client.netns, process.execPath, client, JSON.stringify(plan)),
    ) as ClientResult;
    const generator = await ensureArpFlood();
    const from = {
      netns: pair.client.netns,
      ifname: pair.ifname,
      mac: pair.client.mac,
      ipv4: pair.client.ipv4,
    };
    const rates: Rates = {
      kernel: await floodSearch(
        generator,
        { ...from, targetIpv4: pair.node.ipv4 },
        flood.rates,
        flood.windowMs,
      ),
      ours: await floodSearch(generator, { ...from, targetIpv4: vip.ipv4 }, flood.rates, flood.windowMs),
    };
    const stats = JSON.parse(await announcer.command('stats'));
    const withoutSamples = (m: { kernel: LatencyFigures; ours: LatencyFigures }) => ({
      kernel: { ...m.kernel, samples: undefined },
      ours: { ...m.ours, samples: undefined },
    });
    report(args, {
      bench: 'arp-latency',
      quick: args.quick,
      figures: figures(result, rates),
      series: {
        arp_latency: distribution(
          'ARP request → reply latency at the client, kernel vs baremetal-lb',
          result.arp,
        ),
        ndp_latency: distribution(
          'NDP solicitation → advertisement latency at the client, kernel vs baremetal-lb',
          result.ndp,
        ),
      },
      details: {
        samplesPerTarget: plan.samples,
        arp: withoutSamples(result.arp),
        ndp: withoutSamples(result.ndp),
        rates,
        responderStats: stats,
      },
    });
  } finally {
    process.removeListener('SIGTERM', onTerm);
    await announcer.stop();
    await removeNetnsPair(pair);
  }
}

await main();
