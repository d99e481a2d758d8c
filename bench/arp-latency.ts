// ARP/NDP answer latency and zero-loss rate: the kernel (for the node's own address) against the
// speaker's user-space responder (for a VIP), in the same run on one veth pair.
//   node_modules/.bin/node bench/arp-latency.ts
// Prints JSON: arp_p50_ratio, arp_p99_ratio, arp_zero_loss_rps, arp_zero_loss_ratio, ndp_p50_ratio and
// the raw figures. Latency = kernel receive timestamp of the answer at the client − the request's send time.
import { startAnnouncer } from './lib/announcer-process.ts';
import type { ClientPlan, ClientResult, RateStep } from './lib/l2-client.ts';
import { createNetnsPair, inNetns, planNetnsPair, removeNetnsPair } from './lib/netns-pair.ts';

const pair = planNetnsPair(`blb-b${process.pid}`);
const vip = { ipv4: '192.0.2.100', ipv6: '2001:db8::100' };
const client = new URL('./lib/l2-client.ts', import.meta.url).pathname;

const plan: ClientPlan = {
  ifname: pair.ifname,
  mac: pair.client.mac,
  ipv4: pair.client.ipv4,
  ipv6: pair.client.ipv6,
  kernel: { ipv4: pair.node.ipv4, ipv6: pair.node.ipv6 },
  ours: vip,
  samples: 2000,
  gapMs: 1,
  rates: [25_000, 50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 400_000],
  rateWindowMs: 300,
};

/** The highest rate in an increasing series that got every request answered. */
function zeroLossRate(steps: readonly RateStep[]): number {
  let best = 0;
  for (const step of steps)
    if (step.sent > 0 && step.replies === step.sent) best = Math.max(best, step.achievedRate);
  return best;
}

/** True when the generator, not the responder, set the ceiling: no loss even at the fastest it could send. */
function clientLimited(steps: readonly RateStep[]): boolean {
  const last = steps.at(-1);
  return last !== undefined && last.replies === last.sent && last.achievedRate < 0.95 * last.rate;
}

const ratio = (ours: number, kernel: number): number => Math.round((ours / kernel) * 100) / 100;

async function main(): Promise<void> {
  await removeNetnsPair(pair);
  await createNetnsPair(pair);
  const announcer = await startAnnouncer(pair.node.netns, [vip.ipv4, vip.ipv6]).catch(async (error) => {
    await removeNetnsPair(pair);
    throw error;
  });
  try {
    const result = JSON.parse(
      await inNetns(pair.client.netns, process.execPath, client, JSON.stringify(plan)),
    ) as ClientResult;
    const stats = JSON.parse(await announcer.command('stats'));
    const kernelRps = zeroLossRate(result.rates.kernel);
    const oursRps = zeroLossRate(result.rates.ours);
    console.log(
      JSON.stringify(
        {
          arp_p50_ratio: ratio(result.arp.ours.p50, result.arp.kernel.p50),
          arp_p99_ratio: ratio(result.arp.ours.p99, result.arp.kernel.p99),
          arp_zero_loss_rps: oursRps,
          arp_zero_loss_ratio: ratio(oursRps, kernelRps),
          ndp_p50_ratio: ratio(result.ndp.ours.p50, result.ndp.kernel.p50),
          kernel_zero_loss_rps: kernelRps,
          // The kernel answers on the client's CPU (same softirq as the request), so its ceiling is often
          // the generator's; true here means the real kernel figure is higher.
          zero_loss_client_limited: {
            kernel: clientLimited(result.rates.kernel),
            ours: clientLimited(result.rates.ours),
          },
          unit: 'µs',
          samples_per_target: plan.samples,
          raw: result,
          responder_stats: stats,
        },
        null,
        2,
      ),
    );
  } finally {
    await announcer.stop();
    await removeNetnsPair(pair);
  }
}

await main();
