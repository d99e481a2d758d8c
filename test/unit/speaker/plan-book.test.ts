// Planning per Service gives what planning everything gives: after any sequence of changes, each
// re-planning only what it touched, the led IPs, the plans and the running sum of led changes equal
// a fresh plan of the whole world, and so do the nodes leading any Service; and a change to one
// Service plans one Service.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIP, parseIP } from '../../../common/ip-address.ts';
import { parseAddressRange } from '../../../common/pool-config/address-range.ts';
import type { ServiceView } from '../../../speaker/cluster-view.ts';
import { PlanBook, type PlanWorld, planAnnouncements } from '../../../speaker/plan-book.ts';

const names = ['node-1', 'node-2', 'node-3'];
const range = (text: string) => {
  const parsed = parseAddressRange(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return { ...parsed.range, text, field: 'addresses[0]' };
};
const addresses = ['192.0.2.240', '192.0.2.241', '192.0.2.242', '2001:db8::f0'];

function world(self: string, live: readonly string[]): PlanWorld {
  return {
    self,
    nodes: names.map((name) => ({
      metadata: { name, labels: {} },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    })),
    liveSpeakers: new Set(live),
    pools: [{ name: 'default', ranges: [range('192.0.2.240/28'), range('2001:db8::f0/124')] }],
    l2Advertisements: [
      {
        name: 'all',
        pools: ['default'],
        nodeSelectors: [],
        interfaces: [],
        serviceSelectors: [],
        preferredNodeSelectors: [],
      },
    ],
    localInterfaces: ['eth0'],
  };
}

function view(key: string, ip: string, endpointNode: string): ServiceView {
  return {
    key,
    ips: [parseIP(ip)!],
    endpointSlices: [{ endpoints: [{ nodeName: endpointNode, conditions: { ready: true } }] }],
    externalTrafficPolicy: 'Local',
    labels: {},
    sharesIP: true,
  };
}

type Step =
  | { kind: 'set'; key: string; ip: string; endpointNode: string }
  | { kind: 'delete'; key: string }
  | { kind: 'live'; live: string[] };

const key = fc.constantFrom('a/one', 'a/two', 'b/three', 'b/four');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    key,
    ip: fc.constantFrom(...addresses),
    endpointNode: fc.constantFrom(...names),
  }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('live' as const), live: fc.subarray(names, { minLength: 1 }) }),
);

const ledText = (
  led: ReadonlyMap<string, { ip: unknown; interfaces: readonly string[]; services: readonly string[] }>,
) => [...led].map(([k, v]) => [k, v.interfaces.join(','), [...v.services].sort().join(',')]).sort();

test('property: re-planning only what changed equals planning everything', () => {
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.array(step, { maxLength: 25 }), (self, steps) => {
      const book = new PlanBook();
      const services = new Map<string, ServiceView>();
      let live: readonly string[] = names;
      const applied = new Set<string>();
      for (const s of steps) {
        let touched: string[];
        if (s.kind === 'live') {
          live = s.live;
          touched = ['a/one', 'a/two', 'b/three', 'b/four'];
        } else {
          if (s.kind === 'set') services.set(s.key, view(s.key, s.ip, s.endpointNode));
          else services.delete(s.key);
          touched = [s.key];
        }
        const update = book.update(
          world(self, live),
          touched.map((k) => [k, services.get(k)] as const),
        );
        if (s.kind !== 'live') assert.ok(update.planned <= 1, 'one Service changed, one planned');
        for (const ip of update.led.added) applied.add(ip);
        for (const ip of update.led.removed) applied.delete(ip);
        const whole = planAnnouncements({ ...world(self, live), services: [...services.values()] });
        assert.deepEqual(ledText(book.led), ledText(whole.led));
        assert.deepEqual([...applied].sort(), [...whole.led.keys()].sort(), 'the led changes add up');
        const plans = (list: Iterable<{ key: string; leader?: string; ips: readonly { value: bigint }[] }>) =>
          [...list]
            .map((p) => `${p.key}:${p.leader}:${p.ips.map((ip) => formatIP(ip as never)).join()}`)
            .sort();
        assert.deepEqual(plans(book.plans()), plans(whole.services));
        const leaders = new Set(whole.services.flatMap((p) => (p.leader ? [p.leader] : [])));
        assert.deepEqual([...book.announcingNodes()].sort(), [...leaders].sort(), 'the nodes leading any');
      }
    }),
  );
});

test('a plan that reads the same is not reported as changed', () => {
  const book = new PlanBook();
  const web = view('a/web', '192.0.2.241', 'node-1');
  const first = book.update(world('node-1', names), [['a/web', web]]);
  assert.equal(first.changed.length, 1);
  const again = book.update(world('node-1', names), [['a/web', { ...web }]]);
  assert.deepEqual(again, {
    changed: [],
    removed: [],
    led: { added: [], removed: [], moved: [] },
    tookOver: new Map(),
    planned: 1,
  });
  const gone = book.update(world('node-1', names), [['a/web', undefined]]);
  assert.deepEqual(gone.removed, ['a/web']);
  assert.deepEqual(gone.led.removed, ['192.0.2.241']);
});

test('a takeover names the node that led before', () => {
  const book = new PlanBook();
  const web = view('a/web', '192.0.2.241', 'node-2');
  book.update(world('node-1', names), [['a/web', web]]);
  const moved = book.update(world('node-1', names), [['a/web', view('a/web', '192.0.2.241', 'node-1')]]);
  assert.deepEqual([...moved.tookOver], [['a/web', 'node-2']]);
});
