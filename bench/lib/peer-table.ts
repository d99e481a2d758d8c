// The comparison table of BENCHMARKS.md, built from results.json: one row per figure, a column per
// implementation and the ratios ours ÷ each peer, all from the same run. Pure.
import type { MergedFigure } from './results.ts';

interface Row {
  readonly label: string;
  /** The figure name with `{lb}` where the implementation's key goes. */
  readonly pattern: string;
  readonly unit: string;
}

const rows: readonly Row[] = [
  { label: 'crash failover p50, client side', pattern: 'peers_failover_crash_p50_s_{lb}', unit: 's' },
  { label: 'crash failover p99, client side', pattern: 'peers_failover_crash_p99_s_{lb}', unit: 's' },
  { label: 'graceful handover p50', pattern: 'peers_failover_graceful_p50_s_{lb}', unit: 's' },
  { label: 'graceful handover p99', pattern: 'peers_failover_graceful_p99_s_{lb}', unit: 's' },
  { label: 'ARP reply p50 at the client', pattern: 'peers_arp_p50_us_{lb}', unit: 'µs' },
  { label: 'ARP reply p99 at the client', pattern: 'peers_arp_p99_us_{lb}', unit: 'µs' },
  { label: 'NDP advertisement p50', pattern: 'peers_ndp_p50_us_{lb}', unit: 'µs' },
  { label: 'ARP requests/s with zero loss', pattern: 'peers_arp_zero_loss_rps_{lb}', unit: 'rps' },
  { label: 'API requests per new Service', pattern: 'peers_api_requests_per_service_{lb}', unit: '' },
  { label: 'announcer RSS, idle (per node)', pattern: 'peers_idle_speaker_rss_mb_{lb}', unit: 'MB' },
  {
    label: 'announcer CPU, idle (per node)',
    pattern: 'peers_idle_speaker_cpu_pct_{lb}',
    unit: '% of a core',
  },
  { label: 'controller RSS, idle', pattern: 'peers_idle_controller_rss_mb_{lb}', unit: 'MB' },
  { label: '1k Services to all addresses', pattern: 'ctl_all_ips_s_1000_{lb}', unit: 's' },
  { label: '10k Services to all addresses', pattern: 'ctl_all_ips_s_10000_{lb}', unit: 's' },
  { label: 'controller RSS at 10k', pattern: 'ctl_rss_mb_10000_{lb}', unit: 'MB' },
  { label: 'controller CPU for 10k', pattern: 'ctl_cpu_s_10000_{lb}', unit: 's' },
  { label: 'controller restart at 10k', pattern: 'ctl_restart_s_10000_{lb}', unit: 's' },
  { label: 'addresses moved by that restart', pattern: 'ctl_restart_moved_10000_{lb}', unit: '' },
  { label: 'speaker RSS announcing 10k', pattern: 'spk_rss_mb_10000_{lb}', unit: 'MB' },
  { label: 'speaker start to announcing 10k', pattern: 'spk_all_announced_s_10000_{lb}', unit: 's' },
];

const columns = [
  ['baremetal_lb', 'baremetal-lb'],
  ['baremetal_lb_fast', 'ours, --timing fast'],
  ['metallb', 'MetalLB'],
  ['kube_vip', 'kube-vip'],
  ['keepalived', 'keepalived'],
  ['keepalived_tuned', 'keepalived tuned'],
] as const;
const peerColumns = ['metallb', 'kube_vip', 'keepalived'] as const;

const format = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 3 });

function cell(figures: Readonly<Record<string, MergedFigure>>, name: string): number | undefined {
  const value = figures[name]?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The ratio cell: ours ÷ the peer's, two decimals, or blank when either side is missing or zero. */
function ratioCell(ours: number | undefined, theirs: number | undefined): string {
  if (ours === undefined || theirs === undefined || theirs === 0) return '';
  return `${(ours / theirs).toFixed(2)}×`;
}

export function peerTable(figures: Readonly<Record<string, MergedFigure>>): string {
  const header = [
    'figure',
    ...columns.map(([, title]) => title),
    ...peerColumns.map((p) => `ours ÷ ${columns.find(([k]) => k === p)![1]}`),
  ];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const value = (key: string) => cell(figures, row.pattern.replace('{lb}', key));
    const values = columns.map(([key]) => value(key));
    if (values.every((v) => v === undefined)) continue;
    const ours = value('baremetal_lb');
    const label = row.unit ? `${row.label} (${row.unit})` : row.label;
    const cells = values.map((v) => (v === undefined ? '–' : format(v)));
    lines.push(`| ${[label, ...cells, ...peerColumns.map((p) => ratioCell(ours, value(p)))].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
