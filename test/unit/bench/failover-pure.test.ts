import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import fc from 'fast-check';
import {
  lastAnswersFrom,
  medianTrial,
  type ProbeRecord,
  speakerMilestones,
  timeline,
  trialOutcome,
} from '../../../bench/lib/failover-measure.ts';
import { StableLeader, soleHolder, speakerView, unsteadiness } from '../../../bench/lib/failover-steady.ts';

const struckAt = 10_000;
const rec = (sent: number, node: string | null, rtt = 2): ProbeRecord => ({ sent, at: sent + rtt, node });

test('trialOutcome: the first answer from another node after the strike, by answer time', () => {
  const cases: { name: string; records: ProbeRecord[]; failoverS: number | undefined; newNode?: string }[] = [
    {
      name: 'crash: silence, then the successor',
      records: [rec(9990, 'n1'), rec(10_000, null, 300), rec(10_010, null, 300), rec(10_600, 'n2')],
      failoverS: 0.602,
      newNode: 'n2',
    },
    {
      name: 'an earlier-sent probe answered later does not win',
      records: [rec(10_100, 'n3', 500), rec(10_200, 'n2', 5)],
      failoverS: 0.205,
      newNode: 'n2',
    },
    {
      name: 'an answer from another node that settled before the strike does not count',
      records: [rec(9000, 'n2'), rec(10_020, 'n1'), rec(10_040, 'n2')],
      failoverS: 0.042,
      newNode: 'n2',
    },
    {
      name: 'only the struck node and failures: no failover',
      records: [rec(10_010, 'n1'), rec(10_020, null)],
      failoverS: undefined,
    },
    { name: 'unparsable answers name no node', records: [rec(10_010, '(unparsable)')], failoverS: undefined },
  ];
  for (const c of cases) {
    const out = trialOutcome(c.records, 'n1', struckAt);
    assert.equal(
      out.failoverS === undefined ? undefined : Math.round(out.failoverS * 1000) / 1000,
      c.failoverS,
      c.name,
    );
    assert.equal(out.newNode, c.newNode, c.name);
  }
});

test('trialOutcome counts the probes sent after the strike by who answered them', () => {
  const out = trialOutcome(
    [rec(9990, 'n1'), rec(10_000, 'n1'), rec(10_010, null), rec(10_020, '(unparsable)'), rec(10_030, 'n2')],
    'n1',
    struckAt,
  );
  assert.deepEqual(out.afterStrike, { struckNode: 1, otherNode: 1, unanswered: 2 });
});

test('trialOutcome: the earliest qualifying answer, never negative, never from the struck node', () => {
  const record = fc.record({
    sent: fc.integer({ min: 9000, max: 12_000 }),
    rtt: fc.integer({ min: 0, max: 300 }),
    node: fc.constantFrom('n1', 'n2', 'n3', null),
  });
  fc.assert(
    fc.property(fc.array(record, { maxLength: 50 }), (raw) => {
      const records = raw.map((r) => rec(r.sent, r.node, r.rtt));
      const out = trialOutcome(records, 'n1', struckAt);
      const qualifying = records.filter((r) => (r.node === 'n2' || r.node === 'n3') && r.at >= struckAt);
      if (qualifying.length === 0) return out.failoverS === undefined && out.newNode === undefined;
      const first = Math.min(...qualifying.map((r) => r.at));
      return out.failoverS === (first - struckAt) / 1000 && out.failoverS >= 0 && out.newNode !== 'n1';
    }),
  );
});

test('lastAnswersFrom wants the latest N settled probes all from the node', () => {
  const records = [rec(0, 'n2'), rec(10, 'n1'), rec(20, 'n1'), rec(30, 'n1')];
  assert.equal(lastAnswersFrom(records, 'n1', 3), true);
  assert.equal(lastAnswersFrom(records, 'n1', 4), false);
  assert.equal(lastAnswersFrom([...records, rec(40, null)], 'n1', 3), false);
  assert.equal(lastAnswersFrom(records.slice(0, 2), 'n1', 3), false);
});

test('timeline: seconds relative to the strike, in send order, failures as null', () => {
  const series = timeline('t', [rec(10_050, 'n2'), rec(9_990, 'n1'), rec(10_010, '(unparsable)')], struckAt, [
    { atMs: struckAt, label: 'SIGKILL' },
    { atMs: struckAt + 52, label: 'first answer' },
  ]);
  assert.equal(series.kind, 'timeline');
  assert.deepEqual(series.probes, [
    { t: -0.01, answeredBy: 'n1' },
    { t: 0.01, answeredBy: null },
    { t: 0.05, answeredBy: 'n2' },
  ]);
  assert.deepEqual(series.marks, [
    { t: 0, label: 'SIGKILL' },
    { t: 0.052, label: 'first answer' },
  ]);
});

test('medianTrial picks the middle measured trial and skips unmeasured ones', () => {
  const trials = [{ failoverS: 0.3 }, { failoverS: undefined }, { failoverS: 0.1 }, { failoverS: 0.2 }];
  assert.equal(medianTrial(trials)?.failoverS, 0.2);
  assert.equal(medianTrial([{ failoverS: 0.1 }, { failoverS: 0.4 }])?.failoverS, 0.1);
  assert.equal(medianTrial([{ failoverS: undefined }]), undefined);
});

test('speakerMilestones reads the new leader log: struck node dead or left, then announcing the VIP', () => {
  const at = (ms: number) => new Date(struckAt + ms).toISOString();
  const log = [
    JSON.stringify({ time: at(-500), msg: 'announcing', ip: '192.0.2.240' }),
    JSON.stringify({
      time: at(100),
      msg: 'speaker membership changed',
      node: 'n1',
      from: 'alive',
      to: 'suspect',
    }),
    JSON.stringify({
      time: at(150),
      msg: 'speaker membership changed',
      node: 'n3',
      from: 'alive',
      to: 'dead',
    }),
    'not json',
    JSON.stringify({
      time: at(500),
      msg: 'speaker membership changed',
      node: 'n1',
      from: 'suspect',
      to: 'dead',
    }),
    JSON.stringify({ time: at(502), msg: 'announcing', ip: '2001:db8::f0' }),
    JSON.stringify({ time: at(503), msg: 'announcing', ip: '192.0.2.240' }),
    JSON.stringify({ time: at(900), msg: 'announcing', ip: '192.0.2.240' }),
  ].join('\n');
  assert.deepEqual(speakerMilestones(log, 'n1', '192.0.2.240', struckAt), {
    detectedS: 0.5,
    announcedS: 0.503,
  });
  const left = JSON.stringify({ time: at(3), msg: 'speaker membership changed', node: 'n1', to: 'left' });
  assert.deepEqual(speakerMilestones(left, 'n1', '192.0.2.240', struckAt), {
    detectedS: 0.003,
    announcedS: undefined,
  });
});

const metrics = (alive: number, vips: string[]) =>
  [
    '# HELP baremetal_lb_speaker_failure_detector_members Peer speakers',
    `baremetal_lb_speaker_failure_detector_members{state="alive"} ${alive}`,
    'baremetal_lb_speaker_failure_detector_members{state="dead"} 0',
    ...vips.map(
      (ip) => `metallb_speaker_announced{service="ingress-nginx/x",protocol="layer2",node="n",ip="${ip}"} 1`,
    ),
  ].join('\n');

test('speakerView reads alive peers and whether the VIP is announced', () => {
  assert.deepEqual(speakerView(metrics(2, ['192.0.2.240']), '192.0.2.240'), {
    alivePeers: 2,
    announces: true,
  });
  assert.deepEqual(speakerView(metrics(1, ['192.0.2.241']), '192.0.2.240'), {
    alivePeers: 1,
    announces: false,
  });
  assert.deepEqual(speakerView('', '192.0.2.240'), { alivePeers: undefined, announces: false });
});

test('unsteadiness names every speaker that is not yet where it should be', () => {
  const vip = '192.0.2.240';
  const steady = new Map([
    ['n1', speakerView(metrics(2, [vip]), vip)],
    ['n2', speakerView(metrics(2, []), vip)],
    ['n3', speakerView(metrics(2, []), vip)],
  ]);
  assert.equal(unsteadiness(steady, 'n1'), undefined);
  assert.match(unsteadiness(steady, 'n2') ?? '', /n1: announces the VIP; n2: does not announce the VIP/);
  const rejoining = new Map([...steady, ['n3', speakerView(metrics(1, []), vip)]]);
  assert.match(unsteadiness(rejoining, 'n1') ?? '', /n3: 1\/2 peers alive/);
  assert.match(unsteadiness(new Map([...steady, ['n2', undefined]]), 'n1') ?? '', /n2: no metrics/);
});

describe('a peer steady state', () => {
  const poll = (holders: string[], silent: string[] = []) =>
    new Map(
      ['node-1', 'node-2', 'node-3'].map((n) => [
        n,
        { answers: !silent.includes(n), holds: holders.includes(n) },
      ]),
    );
  it('soleHolder names the one holder, or says who is silent or how many hold the VIP', () => {
    assert.deepEqual(soleHolder(poll(['node-2'])), { leader: 'node-2' });
    assert.deepEqual(soleHolder(poll(['node-2'], ['node-3'])), { problem: 'no answer from node-3' });
    assert.deepEqual(soleHolder(poll(['node-1', 'node-2'])), {
      problem: '2 nodes hold the VIP (node-1, node-2)',
    });
    assert.deepEqual(soleHolder(poll([])), { problem: '0 nodes hold the VIP ()' });
  });
  it('StableLeader names a leader only after it held the VIP alone for the whole hold time', () => {
    const stable = new StableLeader(2000);
    assert.equal(stable.observe(poll(['node-1']), 0), undefined);
    assert.equal(stable.observe(poll(['node-1']), 1999), undefined);
    // A restarted announcer takes the VIP back: the clock starts again.
    assert.equal(stable.observe(poll(['node-2']), 2100), undefined);
    assert.equal(stable.observe(poll(['node-2']), 4000), undefined);
    assert.equal(stable.observe(poll(['node-2']), 4100), 'node-2');
    assert.equal(stable.observe(poll(['node-1', 'node-2']), 4200), undefined);
  });
});
