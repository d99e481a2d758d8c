import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { totalRequests } from '../../../bench/lib/api-requests.ts';
import { type BenchReport, benchArgs, type Figure, forBackend } from '../../../bench/lib/figures.ts';
import {
  benchPlans,
  carryOver,
  markdownTable,
  mergeFigures,
  missingFigures,
  requiredFigures,
  selectPlans,
  summaryTable,
} from '../../../bench/lib/results.ts';

const fig = (value: number | boolean, extra: Partial<Figure> = {}): Figure => ({
  value,
  unit: 'ratio',
  reference: 'kernel p50: 1.3 µs',
  ...extra,
});
const reportOf = (bench: string, figures: Record<string, Figure>): BenchReport => ({
  bench,
  quick: true,
  figures,
});

describe('carryOver', () => {
  const figure = (bench: string) => ({ value: 1, unit: 's', reference: 'r', bench });
  it('keeps the figures and outcomes of the benches not rerun, and drops those rerun', () => {
    const previous = {
      figures: { a_s: figure('a'), b_s: figure('b') },
      benches: { a: { seconds: 1, ok: true }, b: { seconds: 2, ok: false, error: 'x' } },
    };
    assert.deepEqual(carryOver(previous, ['b']), {
      figures: { a_s: figure('a') },
      benches: { a: { seconds: 1, ok: true } },
    });
    assert.deepEqual(carryOver(undefined, ['b']), { figures: {}, benches: {} });
  });
});

describe('bench plans', () => {
  it('keep the order the issue asks for and fit the time budgets', () => {
    assert.deepEqual(
      benchPlans.map((p) => p.name),
      [
        'allocator-scale',
        'responder-throughput',
        'failover-detection',
        'apiserver-throughput',
        'arp-latency',
        'failover-client',
        'controller-e2e',
        'failover-client-real',
        'controller-e2e-real',
        'peers',
        'controllers',
        'big-config',
        'memory',
      ],
    );
    // Issue 7's budgets for the benches on the embedded server; the real control plane's two add
    // theirs, and the later issues' benches (peers, controllers, big-config, memory) their own.
    const embedded = benchPlans.filter(
      (p) => !p.name.endsWith('-real') && !['peers', 'controllers', 'big-config', 'memory'].includes(p.name),
    );
    const real = benchPlans.filter((p) => p.name.endsWith('-real'));
    assert.ok(embedded.reduce((s, p) => s + p.fullS, 0) < 20 * 60);
    assert.ok(embedded.reduce((s, p) => s + p.quickS, 0) < 3 * 60);
    assert.ok(real.reduce((s, p) => s + p.fullS, 0) <= 21 * 60);
    assert.ok(real.reduce((s, p) => s + p.quickS, 0) <= 3 * 60);
    for (const plan of real) assert.deepEqual(plan.args, ['--kube', 'real'], plan.name);
  });

  it('--only selects in run order and names an unknown bench', () => {
    assert.deepEqual(
      selectPlans(['arp-latency', 'allocator-scale']).map((p) => p.name),
      ['allocator-scale', 'arp-latency'],
    );
    assert.equal(selectPlans(undefined), benchPlans);
    assert.throws(() => selectPlans(['arp']), /--only "arp" is not a bench; known: allocator-scale/);
  });
});

describe('mergeFigures', () => {
  it('tags each figure with its bench and keeps a clashing name under the second bench', () => {
    const merged = mergeFigures([reportOf('a', { x: fig(1), y: fig(2) }), reportOf('b', { x: fig(3) })]);
    assert.deepEqual(Object.keys(merged), ['x', 'y', 'b.x']);
    assert.equal(merged.x!.bench, 'a');
    assert.equal(merged['b.x']!.value, 3);
    assert.equal(merged['b.x']!.bench, 'b');
  });

  it('loses no figure of any report', () => {
    const reports = [
      reportOf('a', { p: fig(1) }),
      reportOf('b', {}),
      reportOf('c', { q: fig(true), r: fig(0) }),
    ];
    assert.equal(Object.keys(mergeFigures(reports)).length, 3);
  });
});

describe('missingFigures', () => {
  it('lists the required names not produced, in the required order', () => {
    assert.deepEqual(missingFigures({ b: 1 }, ['a', 'b', 'c']), ['a', 'c']);
    assert.deepEqual(missingFigures({}), requiredFigures);
    const all = Object.fromEntries(requiredFigures.map((n) => [n, fig(1)]));
    assert.deepEqual(missingFigures(all), []);
  });
});

describe('markdownTable', () => {
  const results = {
    figures: {
      extra_s: { ...fig(1234567.8, { unit: 's' }), bench: 'z' },
      arp_p50_ratio: { ...fig(2.5, { target: '≤ 4', met: true }), bench: 'arp-latency' },
      arp_p99_ratio: {
        ...fig(9, { target: '≤ 8', met: false, reference: 'a | b', note: 'n' }),
        bench: 'arp-latency',
      },
    },
    missing: ['e2e_10k_ratio'],
  };
  const lines = markdownTable(results).trimEnd().split('\n');

  it('has a header, required figures first, then extras, then missing ones', () => {
    assert.equal(lines[0], '| figure | value | unit | target | met | reference |');
    assert.deepEqual(
      lines.slice(2).map((l) => l.split(' | ')[0]),
      ['| arp_p50_ratio', '| arp_p99_ratio', '| extra_s', '| e2e_10k_ratio'],
    );
  });

  it('escapes pipes, marks an unmet target and groups large numbers', () => {
    assert.equal(lines[3], '| arp_p99_ratio | 9 | ratio | ≤ 8 | **no** | a \\| b (n) |');
    assert.match(lines[4]!, /\| 1,234,568 \| s \|/);
    assert.equal(lines[5], '| e2e_10k_ratio | not measured | | | | |');
  });
});

describe('summaryTable', () => {
  it('names failed benches and missing figures', () => {
    const text = summaryTable({
      figures: { alloc_v6_64_ok: { ...fig(false, { unit: 'bool' }), bench: 'allocator-scale' } },
      benches: {
        'allocator-scale': { seconds: 1, ok: true },
        'arp-latency': { seconds: 40, ok: false, error: 'timed out after 40 s' },
      },
      missing: ['arp_p50_ratio'],
    });
    assert.match(text, /^alloc_v6_64_ok {2}false bool/m);
    assert.match(text, /FAILED arp-latency after 40 s: timed out after 40 s/);
    assert.match(text, /missing: arp_p50_ratio/);
  });
});

describe('reports from the real control plane', () => {
  it('keep apart from the embedded ones: bench, figures and series renamed, the API server named', () => {
    const measured: BenchReport = {
      ...reportOf('controller-e2e', {
        e2e_10k_ratio: { value: 0.5, unit: 'ratio', reference: 'raw writes' },
      }),
      series: { timeline: { kind: 'timeline', title: 't', probes: [], marks: [] } },
    };
    assert.equal(forBackend(measured, 'embedded'), measured);
    const real = forBackend(measured, 'real');
    assert.equal(real.bench, 'controller-e2e-real');
    assert.deepEqual(Object.keys(real.figures), ['e2e_10k_ratio_real']);
    assert.equal(real.figures.e2e_10k_ratio_real?.reference, 'on kube-apiserver v1.36.3: raw writes');
    assert.deepEqual(Object.keys(real.series ?? {}), ['timeline_real']);
  });

  it('--kube takes the backend and leaves the other arguments in order', () => {
    assert.deepEqual(benchArgs(['--kube', 'real', '--quick', '10']), {
      quick: true,
      jsonFile: undefined,
      kube: 'real',
      rest: ['10'],
    });
    assert.equal(benchArgs([]).kube, 'embedded');
    assert.throws(() => benchArgs(['--kube', 'kind']), /--kube kind: expected one of embedded, real/);
  });
});

describe('totalRequests', () => {
  it('sums every apiserver_request_total series and nothing else', () => {
    const text = [
      '# HELP apiserver_request_total Counter of apiserver requests',
      'apiserver_request_total{code="200",verb="GET",resource="leases"} 12',
      'apiserver_request_total{code="201",verb="POST",resource="services"} 3',
      'apiserver_request_duration_seconds_count{verb="GET"} 99',
      'apiserver_request_total{code="200",verb="WATCH",resource="pods"} 1e+01',
    ].join('\n');
    assert.equal(totalRequests(text), 25);
  });
});
