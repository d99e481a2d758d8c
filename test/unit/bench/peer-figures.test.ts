// The peers and controllers benchmarks' figures from known measurements: which ratios are taken,
// against which targets, and what is left out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ControllerRun, controllerFigures } from '../../../bench/lib/controller-figures.ts';
import type { Trial } from '../../../bench/lib/failover-trial.ts';
import { idleFigures } from '../../../bench/lib/idle-usage.ts';
import { failoverResults } from '../../../bench/lib/peer-failover.ts';
import { peerTable } from '../../../bench/lib/peer-table.ts';
import type { LoadBalancerName } from '../../../lab/announcers.ts';

const versions: Record<LoadBalancerName, string> = {
  'baremetal-lb': 'ours',
  'baremetal-lb-fast': 'ours fast',
  metallb: 'MetalLB',
  'kube-vip': 'kube-vip',
  keepalived: 'keepalived',
  'keepalived-tuned': 'keepalived tuned',
};

function trials(kind: 'crash' | 'graceful', seconds: (number | undefined)[]): Trial[] {
  return seconds.map((failoverS) => ({
    kind,
    struck: 'node-1',
    failoverS,
    newNode: failoverS === undefined ? undefined : 'node-2',
    afterStrike: { struckNode: 0, otherNode: 1, unanswered: 0 },
    speaker: { detectedS: undefined, announcedS: undefined },
    records: [],
    struckAt: 0,
    marks: [],
    cost: { steadyS: 0, strikeS: 0, restoreS: 0 },
  }));
}

describe('failoverResults', () => {
  const byLb = new Map<LoadBalancerName, Trial[]>([
    ['baremetal-lb', trials('crash', [0.6, 0.62])],
    ['baremetal-lb-fast', trials('crash', [0.27, 0.3])],
    ['metallb', trials('crash', [5, 6])],
    ['keepalived', trials('crash', [3, 3.1])],
    ['keepalived-tuned', trials('crash', [0.36, 0.25])],
  ]);
  const { figures } = failoverResults(byLb, versions, 3);

  it('divides ours by every peer, and ours fast by keepalived tuned, with the targets of the issue', () => {
    assert.equal(figures.peers_failover_crash_p99_ratio_metallb?.value, 0.103);
    assert.equal(figures.peers_failover_crash_p99_ratio_metallb?.met, true);
    assert.equal(figures.peers_failover_crash_p99_ratio_keepalived?.target, '≤ 0.25');
    assert.equal(figures.peers_failover_crash_p99_ratio_fast_keepalived_tuned?.value, 0.833);
    assert.equal(figures.peers_failover_crash_p99_ratio_fast_keepalived_tuned?.met, true);
    assert.equal(
      figures.peers_failover_crash_p99_ratio_baremetal_lb_fast,
      undefined,
      'ours is no peer of ours',
    );
  });

  it('counts a trial with no answer at the deadline, and says so', () => {
    const missed = failoverResults(new Map([['metallb', trials('crash', [5, undefined])]]), versions, 3);
    assert.equal(missed.figures.peers_failover_crash_p99_s_metallb?.value, 15);
    assert.match(
      missed.figures.peers_failover_crash_p99_s_metallb?.note ?? '',
      /1 trial\(s\) saw no other node/,
    );
  });
});

describe('idleFigures', () => {
  const usage = (mb: number) => ({ rssMb: mb, cpuPercent: 1, processes: 1 });
  const idle = new Map<LoadBalancerName, Record<'controller' | 'speaker', ReturnType<typeof usage>>>([
    ['baremetal-lb', { controller: usage(150), speaker: usage(200) }],
    ['metallb', { controller: usage(50), speaker: usage(50) }],
    ['kube-vip', { controller: usage(150), speaker: usage(40) }],
  ]);
  const figures = idleFigures(idle, versions, 20);
  it("gives MetalLB's controller its own figures and kube-vip's (which is ours) none", () => {
    assert.equal(figures.peers_idle_controller_rss_ratio_metallb?.value, 3);
    assert.equal(figures.peers_idle_controller_rss_mb_kube_vip, undefined);
    assert.equal(figures.peers_idle_speaker_rss_ratio_kube_vip?.value, 5);
  });
});

describe('controllerFigures', () => {
  const run = (impl: 'baremetal-lb' | 'metallb', allIpsS: number, rss: number): ControllerRun => ({
    impl,
    count: 10_000,
    assigned: 10_000,
    allIpsS,
    idleRssMb: 40,
    loadedRssMb: rss,
    cpuS: 10,
    restartReadyS: 2,
    addressesMoved: 0,
    speakerAllS: 5,
    speakerAnnounced: 10_000,
    speakerRssMb: rss,
    speakerCpuS: 3,
  });
  it('holds ours ÷ MetalLB at 10k to ≤ 1.0 in time and ≤ 1.5 in RSS', () => {
    const figures = controllerFigures([run('baremetal-lb', 90, 300), run('metallb', 100, 100)], 'MetalLB');
    assert.equal(figures.ctl_all_ips_ratio_10000?.value, 0.9);
    assert.equal(figures.ctl_all_ips_ratio_10000?.met, true);
    assert.equal(figures.ctl_rss_ratio_10000?.value, 3);
    assert.equal(figures.ctl_rss_ratio_10000?.met, false);
    assert.equal(figures.ctl_speaker_rss_ratio_10000?.met, false);
  });
});

describe('peerTable', () => {
  const figure = (value: number) => ({ value, unit: 's', reference: 'r', bench: 'peers' });
  it('has a column per implementation and ours ÷ each peer, and skips rows no run produced', () => {
    const table = peerTable({
      peers_failover_crash_p99_s_baremetal_lb: figure(0.6),
      peers_failover_crash_p99_s_metallb: figure(6),
      peers_failover_crash_p99_s_keepalived: figure(3),
    });
    const lines = table.trimEnd().split('\n');
    assert.equal(lines.length, 3, table);
    assert.match(
      lines[0]!,
      /^\| figure \| baremetal-lb \| ours, --timing fast \| MetalLB \| kube-vip \| keepalived \| keepalived tuned \| ours ÷ MetalLB/,
    );
    assert.equal(
      lines[2],
      '| crash failover p99, client side (s) | 0.6 | – | 6 | – | 3 | – | 0.10× |  | 0.20× |',
    );
  });
});
