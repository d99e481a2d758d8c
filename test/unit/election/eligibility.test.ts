import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import { type Requirement, requirementsFromSelector } from '../../../common/label-selector.ts';
import { electionOrder } from '../../../speaker/election/elect-leader.ts';
import {
  type EligibilityInput,
  type EndpointLike,
  eligibleNodes,
  endpointCanServe,
  excludeFromLoadBalancersLabel,
  type NodeLike,
} from '../../../speaker/election/eligibility.ts';

function node(
  name: string,
  opts: { labels?: Record<string, string>; conditions?: [string, string][] } = {},
): NodeLike {
  const conditions = (opts.conditions ?? [['Ready', 'True']]).map(([type, status]) => ({ type, status }));
  return { metadata: { name, labels: opts.labels ?? {} }, status: { conditions } };
}

const noSelectors = { serviceSelectors: [], preferredNodeSelectors: [] };
const readyOn = (nodeName: string): EndpointLike => ({ nodeName, conditions: { ready: true } });

function input(changes: Partial<EligibilityInput> = {}): EligibilityInput {
  return {
    nodes: [node('n1', { labels: { zone: 'a' } }), node('n2', { labels: { zone: 'b' } }), node('n3')],
    liveSpeakers: new Set(['n1', 'n2', 'n3']),
    pool: 'prod',
    l2Advertisements: [{ name: 'l2', pools: ['prod'], nodeSelectors: [], ...noSelectors }],
    endpointSlices: [{ endpoints: [readyOn('n1')] }],
    externalTrafficPolicy: 'Cluster',
    ...changes,
  };
}

const zone = (value: string) => requirementsFromSelector({ matchLabels: { zone: value } });

describe('eligibleNodes', () => {
  const cases: { name: string; input: EligibilityInput; nodes: string[]; reason?: RegExp }[] = [
    { name: 'all rules hold', input: input(), nodes: ['n1', 'n2', 'n3'] },
    {
      name: 'a node without a live speaker is out',
      input: input({ liveSpeakers: new Set(['n1', 'n3', 'ghost']) }),
      nodes: ['n1', 'n3'],
    },
    {
      name: 'Ready=False and Ready=Unknown are out; no Ready condition is in',
      input: input({
        nodes: [
          node('n1', { conditions: [['Ready', 'False']] }),
          node('n2', { conditions: [['Ready', 'Unknown']] }),
          node('n3', { conditions: [] }),
        ],
      }),
      nodes: ['n3'],
    },
    {
      name: 'NetworkUnavailable=True is out, =False is in',
      input: input({
        nodes: [
          node('n1', {
            conditions: [
              ['Ready', 'True'],
              ['NetworkUnavailable', 'True'],
            ],
          }),
          node('n2', {
            conditions: [
              ['Ready', 'True'],
              ['NetworkUnavailable', 'False'],
            ],
          }),
        ],
      }),
      nodes: ['n2'],
    },
    {
      name: 'the exclude-from-external-load-balancers label excludes whatever its value',
      input: input({ nodes: [node('n1', { labels: { [excludeFromLoadBalancersLabel]: '' } }), node('n2')] }),
      nodes: ['n2'],
    },
    {
      name: 'nodeSelectors restrict to matching nodes',
      input: input({
        l2Advertisements: [{ name: 'l2', pools: ['prod'], nodeSelectors: [zone('a')], ...noSelectors }],
      }),
      nodes: ['n1'],
    },
    {
      name: 'any one selector of any covering advertisement admits a node',
      input: input({
        l2Advertisements: [
          { name: 'l2-a', pools: ['prod'], nodeSelectors: [zone('a')], ...noSelectors },
          { name: 'l2-b', pools: ['prod', 'dev'], nodeSelectors: [zone('x'), zone('b')], ...noSelectors },
          { name: 'other-pool', pools: ['dev'], nodeSelectors: [], ...noSelectors },
        ],
      }),
      nodes: ['n1', 'n2'],
    },
    {
      name: 'no advertisement covering the pool → nobody, with a reason',
      input: input({ l2Advertisements: [{ name: 'l2', pools: ['dev'], nodeSelectors: [], ...noSelectors }] }),
      nodes: [],
      reason: /no L2Advertisement announces pool "prod"/,
    },
    {
      name: 'no serving endpoint → nobody',
      input: input({
        endpointSlices: [{ endpoints: [{ nodeName: 'n1', conditions: { ready: false } }] }, {}],
      }),
      nodes: [],
      reason: /no serving endpoints/,
    },
    {
      name: 'a terminating endpoint that still serves keeps the IP announced',
      input: input({
        endpointSlices: [
          { endpoints: [{ nodeName: 'n2', conditions: { ready: false, serving: true, terminating: true } }] },
        ],
      }),
      nodes: ['n1', 'n2', 'n3'],
    },
    {
      name: 'Local: only nodes with a serving endpoint of their own',
      input: input({
        externalTrafficPolicy: 'Local',
        endpointSlices: [
          {
            endpoints: [
              readyOn('n2'),
              { nodeName: 'n3', conditions: { ready: false } },
              { conditions: { ready: true } },
            ],
          },
        ],
      }),
      nodes: ['n2'],
    },
    {
      name: 'Local: the endpoint node must still pass the other rules',
      input: input({ externalTrafficPolicy: 'Local', liveSpeakers: new Set(['n2', 'n3']) }),
      nodes: [],
      reason: /no live speaker: n1.*externalTrafficPolicy Local\): n2, n3/,
    },
    {
      name: 'combination: selector, label and liveness together',
      input: input({
        nodes: [
          node('n1', { labels: { zone: 'a' } }),
          node('n2', { labels: { zone: 'a', [excludeFromLoadBalancersLabel]: 'true' } }),
          node('n3', { labels: { zone: 'a' } }),
          node('n4', { labels: { zone: 'b' } }),
        ],
        liveSpeakers: new Set(['n2', 'n3', 'n4']),
        l2Advertisements: [{ name: 'l2', pools: ['prod'], nodeSelectors: [zone('a')], ...noSelectors }],
      }),
      nodes: ['n3'],
    },
    {
      name: 'every node excluded → the reason names each node',
      input: input({
        liveSpeakers: new Set(['n1']),
        nodes: [node('n1', { conditions: [['Ready', 'False']] }), node('n2')],
      }),
      nodes: [],
      reason: /NotReady \(Ready=False\): n1; no live speaker: n2/,
    },
    { name: 'no nodes at all', input: input({ nodes: [] }), nodes: [], reason: /no nodes are known/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = eligibleNodes(c.input);
      assert.deepEqual(result.nodes, c.nodes);
      if (c.reason) assert.match(result.reason ?? '', c.reason);
      else assert.equal(result.reason, undefined);
    });
  }

  test('excluded explains each left-out node', () => {
    const result = eligibleNodes(input({ liveSpeakers: new Set(['n1', 'n2']) }));
    assert.deepEqual([...result.excluded], [['n3', 'no live speaker']]);
  });

  test('client-node objects are accepted as they are', () => {
    const nodes: V1Node[] = [
      { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    ];
    const endpointSlices: V1EndpointSlice[] = [
      {
        addressType: 'IPv4',
        endpoints: [{ addresses: ['192.0.2.10'], nodeName: 'n1', conditions: { ready: true } }],
      },
    ];
    assert.deepEqual(eligibleNodes(input({ nodes, endpointSlices, liveSpeakers: new Set(['n1']) })).nodes, [
      'n1',
    ]);
  });
});

describe('endpointCanServe (MetalLB EndpointCanServe)', () => {
  const cases: [EndpointLike['conditions'], boolean][] = [
    [undefined, true],
    [{}, true],
    [{ ready: true }, true],
    [{ ready: false }, false],
    [{ ready: false, serving: true, terminating: true }, true],
    [{ ready: false, serving: false, terminating: true }, false],
    [{ serving: false }, true],
  ];
  for (const [conditions, expected] of cases) {
    test(JSON.stringify(conditions) ?? 'undefined', () =>
      assert.equal(endpointCanServe({ conditions }), expected),
    );
  }
});

describe("L2Advertisement serviceSelectors and preferredNodeSelectors (MetalLB's main branch)", () => {
  const tier = (value: string) => requirementsFromSelector({ matchLabels: { tier: value } });
  const web = {
    name: 'web',
    pools: ['prod'],
    nodeSelectors: [],
    serviceSelectors: [tier('web')],
    preferredNodeSelectors: [],
  };

  test('an advertisement applies only to the Services its serviceSelectors match', () => {
    assert.deepEqual(
      eligibleNodes(input({ l2Advertisements: [web], serviceLabels: { tier: 'web' } })).nodes,
      ['n1', 'n2', 'n3'],
    );
    const other = eligibleNodes(input({ l2Advertisements: [web], serviceLabels: { tier: 'db' } }));
    assert.deepEqual(other.nodes, []);
    assert.equal(
      other.reason,
      'no L2Advertisement of pool "prod" selects the Service (serviceSelectors of web)',
    );
  });

  test('allow-shared-ip cannot be used with serviceSelectors', () => {
    const shared = eligibleNodes(
      input({ l2Advertisements: [web], serviceLabels: { tier: 'web' }, sharesIP: true }),
    );
    assert.deepEqual(shared.nodes, []);
    assert.match(shared.reason ?? '', /allow-shared-ip cannot be used with serviceSelectors/);
  });

  test('preference weights add up per node, only among the nodes an advertisement selects', () => {
    const preferring = (
      name: string,
      nodeSelectors: Requirement[][],
      weights: [Requirement[], number][],
    ) => ({
      name,
      pools: ['prod'],
      nodeSelectors,
      serviceSelectors: [],
      preferredNodeSelectors: weights.map(([preference, weight]) => ({ preference, weight })),
    });
    const result = eligibleNodes(
      input({
        l2Advertisements: [
          preferring(
            'a',
            [],
            [
              [zone('a'), 10],
              [zone('b'), 30],
            ],
          ),
          preferring(
            'b',
            [zone('a')],
            [
              [zone('a'), 25],
              [zone('b'), 50],
            ],
          ),
        ],
      }),
    );
    // n1 (zone a): 10 + 25; n2 (zone b): 30 (advertisement b does not select it); n3: none.
    assert.deepEqual([...result.scores].sort(), [
      ['n1', 35],
      ['n2', 30],
    ]);
    for (const ip of ['192.0.2.1', '192.0.2.2', '2001:db8::7']) {
      assert.deepEqual(electionOrder(ip, result.nodes, result.scores).slice(0, 2), ['n1', 'n2'], ip);
    }
  });
});
