import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { registerSpeakerMetrics } from '../../../speaker/metrics.ts';
import type { AnnouncerStats } from '../../../speaker/packet-io/announcer.ts';

const stats: AnnouncerStats = {
  byIp: {
    '192.0.2.240': { requestsReceived: 7, responsesSent: 5, gratuitousSent: 3 },
    '2001:db8::240': { requestsReceived: 2, responsesSent: 2, gratuitousSent: 1 },
  },
  sendErrors: 1,
  ignored: { 'not led': 2 },
  dropped: { 'source mac zero': 4 },
};

test('announcer and failure detector counters appear under MetalLB’s and our names', async () => {
  const registry = new Registry();
  let statsCalls = 0;
  const metrics = registerSpeakerMetrics(registry, {
    announcerStats: async () => {
      statsCalls++;
      return stats;
    },
    detector: () => ({
      counters: { suspicions: 2, deaths: 1 },
      dropped: { 'bad-mac': 6 },
      members: [{ state: 'alive' }, { state: 'alive' }, { state: 'dead' }],
    }),
  });
  metrics.announced.set({ service: 'default/web', protocol: 'layer2', node: 'node-1', ip: '192.0.2.240' }, 1);
  const text = await registry.metrics();
  const expected = [
    'metallb_layer2_requests_received{ip="192.0.2.240"} 7',
    'metallb_layer2_responses_sent{ip="192.0.2.240"} 5',
    'metallb_layer2_gratuitous_sent{ip="192.0.2.240"} 3',
    'metallb_layer2_requests_received{ip="2001:db8::240"} 2',
    'metallb_layer2_responses_sent{ip="2001:db8::240"} 2',
    'metallb_layer2_gratuitous_sent{ip="2001:db8::240"} 1',
    'baremetal_lb_speaker_send_errors_total 1',
    'baremetal_lb_speaker_packets_ignored_total{reason="not led"} 2',
    'baremetal_lb_speaker_packets_dropped_total{reason="source mac zero"} 4',
    'baremetal_lb_speaker_failure_detector_events_total{event="deaths"} 1',
    'baremetal_lb_speaker_failure_detector_datagrams_dropped_total{reason="bad-mac"} 6',
    'baremetal_lb_speaker_failure_detector_members{state="alive"} 2',
    'metallb_speaker_announced{service="default/web",protocol="layer2",node="node-1",ip="192.0.2.240"} 1',
  ];
  for (const line of expected) assert.ok(text.includes(line), `${line} in\n${text}`);
  assert.equal(statsCalls, 1, 'one stats round trip per scrape');
});

test('an IP the announcer no longer leads loses its layer2 series at the next scrape', async () => {
  const registry = new Registry();
  let current = stats;
  registerSpeakerMetrics(registry, { announcerStats: async () => current, detector: () => undefined });
  assert.match(await registry.metrics(), /^metallb_layer2_responses_sent\{ip="2001:db8::240"\} 2$/m);
  await new Promise((resolve) => setImmediate(resolve)); // the next scrape, not the same one
  current = {
    ...stats,
    byIp: { '192.0.2.240': { requestsReceived: 9, responsesSent: 6, gratuitousSent: 3 } },
  };
  const text = await registry.metrics();
  assert.match(text, /^metallb_layer2_requests_received\{ip="192.0.2.240"\} 9$/m);
  assert.doesNotMatch(text, /2001:db8::240/);
});

test('without an announcer or a detector: totals read 0, per-IP, per-reason and per-state series are absent', async () => {
  const registry = new Registry();
  registerSpeakerMetrics(registry, { announcerStats: async () => undefined, detector: () => undefined });
  const text = await registry.metrics();
  assert.match(text, /^baremetal_lb_speaker_send_errors_total 0$/m);
  assert.doesNotMatch(text, /^metallb_layer2_requests_received\{/m);
  assert.doesNotMatch(text, /^baremetal_lb_speaker_packets_dropped_total\{/m);
  assert.doesNotMatch(text, /^baremetal_lb_speaker_failure_detector_members\{/m);
});
