import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cdfPoints,
  distributionSvg,
  escapeXml,
  linearTicks,
  logTicks,
  noAnswer,
  scale,
  timelineSvg,
} from '../../../bench/lib/svg-plot.ts';

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('scale', () => {
  it('maps the ends onto the ends, linearly and on log axes', () => {
    const cases = [
      { lo: 0, hi: 10, log: false, mid: 5 },
      { lo: 1, hi: 100, log: true, mid: 10 },
    ];
    for (const c of cases) {
      const f = scale(c.lo, c.hi, 100, 300, c.log);
      assert.equal(f(c.lo), 100);
      assert.equal(f(c.hi), 300);
      assert.equal(f(c.mid), 200);
    }
  });

  it('flips for a y axis that grows upward', () => {
    const y = scale(0, 1, 400, 40);
    assert.equal(y(0), 400);
    assert.equal(y(1), 40);
  });
});

describe('ticks', () => {
  it('log ticks are the decades covering the range', () => {
    assert.deepEqual(logTicks(3, 250), [1, 10, 100, 1000]);
    assert.deepEqual(logTicks(10, 10), [10, 100]);
    assert.deepEqual(logTicks(0.5, 2), [0.1, 1, 10]);
  });

  it('linear ticks are round, evenly spaced and cover the range', () => {
    assert.deepEqual(linearTicks(-1.2, 2.9, 8), [-2, -1, 0, 1, 2, 3]);
    assert.deepEqual(linearTicks(-0.3, 0.6, 9), [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    fc.assert(
      fc.property(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (lo, span) => {
          const ticks = linearTicks(lo, lo + span);
          assert.ok(ticks[0]! <= lo + span * 1e-9 && ticks.at(-1)! >= lo + span * (1 - 1e-9));
          assert.ok(ticks.length >= 2 && ticks.length <= 20);
        },
      ),
    );
  });
});

describe('cdfPoints', () => {
  it('ends at fraction 1 on the maximum and ignores non-positive samples', () => {
    assert.deepEqual(cdfPoints([3, 1, 2, 0, -1]), [
      [1, 1 / 3],
      [2, 2 / 3],
      [3, 1],
    ]);
  });

  it('thins long inputs to at most max + 1 points, still ending at 1', () => {
    const points = cdfPoints(
      Array.from({ length: 5000 }, (_, i) => i + 1),
      400,
    );
    assert.ok(points.length <= 401);
    assert.deepEqual(points.at(-1), [5000, 1]);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });
});

describe('distributionSvg', () => {
  const svg = distributionSvg({
    kind: 'distribution',
    title: 'ARP <latency> & more',
    unit: 'µs',
    lines: { kernel: [1, 2, 3, 4, 50], 'baremetal-lb': [10, 20, 30, 400] },
  });

  it('draws one path per line with a legend entry each', () => {
    assert.equal(count(svg, /<path /g), 2);
    assert.match(svg, /kernel \(5 samples\)/);
    assert.match(svg, /baremetal-lb \(4 samples\)/);
  });

  it('marks p50 and p99 of each line and escapes the title', () => {
    assert.equal(count(svg, /<circle /g), 4);
    assert.match(svg, />p50 3</);
    assert.match(svg, />p99 400</);
    assert.match(svg, /ARP &lt;latency&gt; &amp; more/);
    assert.doesNotMatch(svg, /<latency>/);
  });

  it('says so when there are no samples', () => {
    assert.match(
      distributionSvg({ kind: 'distribution', title: 't', unit: 'µs', lines: { a: [] } }),
      /no samples/,
    );
  });
});

describe('timelineSvg', () => {
  const svg = timelineSvg({
    kind: 'timeline',
    title: 'failover',
    probes: [
      { t: -0.02, answeredBy: 'node-2' },
      { t: 0.01, answeredBy: null },
      { t: 0.5, answeredBy: 'node-1' },
    ],
    marks: [{ t: 0, label: 'SIGKILL speaker-<node-2>' }],
  });

  it('has a lane per answering node plus a no-answer lane, and a dot per probe', () => {
    for (const lane of ['node-1', 'node-2', noAnswer]) assert.match(svg, new RegExp(`>${lane}</text>`));
    assert.equal(count(svg, /<circle /g), 3);
  });

  it('draws each mark as a dashed line with its escaped label', () => {
    assert.equal(count(svg, /stroke-dasharray/g), 1);
    assert.match(svg, /SIGKILL speaker-&lt;node-2&gt;/);
  });
});
