// What one failover trial looked like from the client, computed from the probe records alone: when
// the client's traffic first reached a node other than the one struck, and the timeline to plot.
// Pure: times are wall-clock milliseconds the caller and the probe both read.

import type { TimelineSeries } from './figures.ts';

/** One client request: sent and settled (wall ms); node null when it got no answer in time. */
export interface ProbeRecord {
  readonly sent: number;
  readonly at: number;
  readonly node: string | null;
}

export interface TrialOutcome {
  /** Seconds from the strike to the first answer served by another node; undefined if none came. */
  readonly failoverS: number | undefined;
  readonly newNode: string | undefined;
  /** Probes sent after the strike: answered by the struck node, by another node, or not at all. */
  readonly afterStrike: {
    readonly struckNode: number;
    readonly otherNode: number;
    readonly unanswered: number;
  };
}

const isNode = (node: string | null): node is string => node !== null && node !== '(unparsable)';

export function trialOutcome(
  records: readonly ProbeRecord[],
  struckNode: string,
  struckAt: number,
): TrialOutcome {
  let first: ProbeRecord | undefined;
  const afterStrike = { struckNode: 0, otherNode: 0, unanswered: 0 };
  for (const r of records) {
    if (isNode(r.node) && r.node !== struckNode && r.at >= struckAt && (!first || r.at < first.at)) first = r;
    if (r.sent < struckAt) continue;
    if (!isNode(r.node)) afterStrike.unanswered++;
    else if (r.node === struckNode) afterStrike.struckNode++;
    else afterStrike.otherNode++;
  }
  return {
    failoverS: first ? (first.at - struckAt) / 1000 : undefined,
    newNode: first?.node ?? undefined,
    afterStrike,
  };
}

/** Has the client seen `count` answers in a row, all from `node`, as the latest probes settled? */
export function lastAnswersFrom(records: readonly ProbeRecord[], node: string, count: number): boolean {
  const latest = [...records].sort((a, b) => a.at - b.at).slice(-count);
  return latest.length === count && latest.every((r) => r.node === node);
}

export function timeline(
  title: string,
  records: readonly ProbeRecord[],
  struckAt: number,
  marks: readonly { readonly atMs: number; readonly label: string }[],
): TimelineSeries {
  const seconds = (ms: number) => Math.round(ms - struckAt) / 1000;
  return {
    kind: 'timeline',
    title,
    probes: [...records]
      .sort((a, b) => a.sent - b.sent)
      .map((r) => ({ t: seconds(r.sent), answeredBy: isNode(r.node) ? r.node : null })),
    marks: marks.map((m) => ({ t: seconds(m.atMs), label: m.label })),
  };
}

/** The trial whose failover time is the median one, as the representative to draw. */
export function medianTrial<T extends { readonly failoverS: number | undefined }>(
  trials: readonly T[],
): T | undefined {
  const measured = trials
    .filter((t) => t.failoverS !== undefined)
    .sort((a, b) => a.failoverS! - b.failoverS!);
  return measured[Math.floor((measured.length - 1) / 2)];
}

/** When the new leader's speaker, by its own log, saw the struck node go and began announcing the VIP. */
export interface SpeakerMilestones {
  /** Seconds from the strike to the "speaker membership changed" line turning the struck node dead or left. */
  readonly detectedS: number | undefined;
  /** Seconds from the strike to the "announcing" line for the VIP. */
  readonly announcedS: number | undefined;
}

export function speakerMilestones(
  logText: string,
  struckNode: string,
  vip: string,
  struckAt: number,
): SpeakerMilestones {
  let detectedS: number | undefined;
  let announcedS: number | undefined;
  // Log times have millisecond resolution: a line from the strike's own millisecond still counts.
  const since = Math.floor(struckAt);
  for (const line of logText.split('\n')) {
    let entry: { time?: string; msg?: string; node?: string; to?: string; ip?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const time = Date.parse(entry.time ?? '');
    if (!(time >= since)) continue;
    const s = Math.max(0, time - struckAt) / 1000;
    const gone = entry.to === 'dead' || entry.to === 'left';
    if (entry.msg === 'speaker membership changed' && entry.node === struckNode && gone) detectedS ??= s;
    if (entry.msg === 'announcing' && entry.ip === vip) announcedS ??= s;
  }
  return { detectedS, announcedS };
}
