// Dependency-free SVG plots of a bench's series: a distribution as cumulative curves on a log-x axis,
// a timeline as one lane per answering node. Pure: series in, SVG text out.

import type { DistributionSeries, Series, TimelineSeries } from './figures.ts';
import { percentile } from './figures.ts';

const width = 800;
const height = 420;
const margin = { left: 90, right: 20, top: 40, bottom: 50 };
const plotW = width - margin.left - margin.right;
const plotH = height - margin.top - margin.bottom;
const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
/** Points per CDF curve: enough for a smooth line, few enough for a small file. */
const curvePoints = 400;

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** Maps [lo, hi] onto [from, to], linearly or by log10 (then lo and hi must be > 0). */
export function scale(lo: number, hi: number, from: number, to: number, log = false): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(lo);
  const span = f(hi) - a || 1;
  return (v) => from + ((f(v) - a) / span) * (to - from);
}

/** Powers of ten from the one at or below lo to the one at or above hi (lo > 0). */
export function logTicks(lo: number, hi: number): number[] {
  const first = Math.floor(Math.log10(lo));
  const last = Math.max(first + 1, Math.ceil(Math.log10(hi)));
  return Array.from({ length: last - first + 1 }, (_, i) => 10 ** (first + i));
}

/** Round-numbered ticks (1, 2 or 5 × 10^k apart) covering [lo, hi], about `count` of them. */
export function linearTicks(lo: number, hi: number, count = 8): number[] {
  const raw = (hi - lo || 1) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const first = Math.floor(lo / step);
  const last = Math.max(first + 1, Math.ceil(hi / step));
  const ticks = Array.from({ length: last - first + 1 }, (_, i) =>
    Number(((first + i) * step).toPrecision(12)),
  );
  return ticks;
}

/** (value, fraction ≤ value) points of the empirical CDF, thinned to at most `max` points. */
export function cdfPoints(samples: readonly number[], max = curvePoints): [number, number][] {
  const sorted = samples.filter((v) => v > 0 && Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  const stride = Math.max(1, Math.ceil(n / max));
  const points: [number, number][] = [];
  for (let i = 0; i < n; i += stride) points.push([sorted[i]!, (i + 1) / n]);
  if (n > 0 && points.at(-1)![1] !== 1) points.push([sorted[n - 1]!, 1]);
  return points;
}

const fmt = (v: number): string => String(Number(v.toPrecision(3)));
const text = (x: number, y: number, body: string, attrs = ''): string =>
  `<text x="${fmt(x)}" y="${fmt(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(body)}</text>`;

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    text(width / 2, 20, title, 'text-anchor="middle" font-size="14"'),
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export function distributionSvg(series: DistributionSeries): string {
  const lines = Object.entries(series.lines).map(([name, samples]) => ({ name, points: cdfPoints(samples) }));
  const values = lines.flatMap((l) => l.points.map((p) => p[0]));
  if (values.length === 0) return frame(`${series.title} (no samples)`, []);
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const ticks = logTicks(lo, hi);
  const x = scale(ticks[0]!, ticks.at(-1)!, margin.left, margin.left + plotW, true);
  const y = scale(0, 1, margin.top + plotH, margin.top);
  const body: string[] = [];
  for (const t of ticks) {
    body.push(
      `<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eee"/>`,
    );
    body.push(text(x(t), margin.top + plotH + 16, fmt(t), 'text-anchor="middle"'));
  }
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    body.push(text(margin.left - 6, y(f) + 4, String(f), 'text-anchor="end"'));
  }
  body.push(
    text(margin.left + plotW / 2, height - 12, `latency (${series.unit}, log scale)`, 'text-anchor="middle"'),
  );
  body.push(
    text(
      16,
      margin.top + plotH / 2,
      'fraction ≤ x',
      `transform="rotate(-90 16 ${margin.top + plotH / 2})" text-anchor="middle"`,
    ),
  );
  lines.forEach((line, i) => {
    const color = colors[i % colors.length]!;
    if (line.points.length === 0) return;
    const d = line.points.map(([v, f], j) => `${j ? 'L' : 'M'}${fmt(x(v))} ${fmt(y(f))}`).join(' ');
    body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    const all = series.lines[line.name]!.filter((v) => v > 0 && Number.isFinite(v)).sort((a, b) => a - b);
    for (const [label, p] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const) {
      const v = percentile(all, p);
      body.push(`<circle cx="${fmt(x(v))}" cy="${fmt(y(p))}" r="3.5" fill="${color}"/>`);
      body.push(text(x(v) + 5, y(p) + (i + 1) * 13, `${label} ${fmt(v)}`, `fill="${color}"`));
    }
    // Bottom right: the curves rise from the left and run along the top there.
    const lx = margin.left + plotW - 230;
    const ly = margin.top + plotH - 12 - (lines.length - 1 - i) * 16;
    body.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
    );
    body.push(text(lx + 26, ly, `${line.name} (${all.length} samples)`));
  });
  return frame(series.title, body);
}

export const noAnswer = 'no answer';

export function timelineSvg(series: TimelineSeries): string {
  const nodes = [
    ...new Set(series.probes.flatMap((p) => (p.answeredBy === null ? [] : [p.answeredBy]))),
  ].sort();
  const lanes = [...nodes, noAnswer];
  const times = [...series.probes.map((p) => p.t), ...series.marks.map((m) => m.t)];
  const [lo, hi] = times.length ? [Math.min(...times), Math.max(...times)] : [-1, 1];
  const ticks = linearTicks(lo, hi);
  const x = scale(ticks[0]!, ticks.at(-1)!, margin.left + 40, margin.left + plotW - 10);
  const laneY = (i: number) => margin.top + ((i + 0.5) * plotH) / lanes.length;
  const body: string[] = [];
  for (const t of ticks) {
    body.push(
      `<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eee"/>`,
    );
    body.push(text(x(t), margin.top + plotH + 16, fmt(t), 'text-anchor="middle"'));
  }
  body.push(
    text(margin.left + plotW / 2, height - 12, 'seconds relative to the fault', 'text-anchor="middle"'),
  );
  lanes.forEach((lane, i) => {
    body.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${fmt(laneY(i))}" y2="${fmt(laneY(i))}" stroke="#ddd"/>`,
    );
    body.push(text(margin.left - 6, laneY(i) + 4, lane, 'text-anchor="end"'));
  });
  for (const p of series.probes) {
    const lane = p.answeredBy === null ? lanes.length - 1 : nodes.indexOf(p.answeredBy);
    const color = p.answeredBy === null ? '#999' : colors[lane % colors.length]!;
    body.push(`<circle cx="${fmt(x(p.t))}" cy="${fmt(laneY(lane))}" r="2.5" fill="${color}"/>`);
  }
  series.marks.forEach((m, i) => {
    body.push(
      `<line x1="${fmt(x(m.t))}" x2="${fmt(x(m.t))}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#000" stroke-dasharray="4 3"/>`,
    );
    body.push(text(x(m.t) + 4, margin.top + 12 + i * 14, m.label));
  });
  return frame(series.title, body);
}

export function seriesSvg(series: Series): string {
  return series.kind === 'distribution' ? distributionSvg(series) : timelineSvg(series);
}
