// Label selector query strings and field selectors, parsed and matched as the real API server does.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { matchesLabels, type Requirement } from '../../../../common/label-selector.ts';
import {
  matchesFieldSelector,
  parseFieldSelector,
} from '../../../../lab/apiserver/selectors/field-selector.ts';
import { parseLabelSelectorQuery } from '../../../../lab/apiserver/selectors/label-selector-query.ts';

describe('parseLabelSelectorQuery', () => {
  const table: [string, Requirement[]][] = [
    ['', []],
    ['app=web', [{ key: 'app', operator: 'Equals', values: ['web'] }]],
    ['app==web', [{ key: 'app', operator: 'Equals', values: ['web'] }]],
    ['app!=web', [{ key: 'app', operator: 'NotEquals', values: ['web'] }]],
    ['app=', [{ key: 'app', operator: 'Equals', values: [''] }]],
    ['env in (prod, staging)', [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }]],
    ['env notin (dev)', [{ key: 'env', operator: 'NotIn', values: ['dev'] }]],
    ['app.kubernetes.io/name', [{ key: 'app.kubernetes.io/name', operator: 'Exists', values: [] }]],
    ['!canary', [{ key: 'canary', operator: 'DoesNotExist', values: [] }]],
    ['gen>1', [{ key: 'gen', operator: 'Gt', values: ['1'] }]],
    ['gen<10', [{ key: 'gen', operator: 'Lt', values: ['10'] }]],
    [
      ' a = b , c,!d,e in(x,y) ',
      [
        { key: 'a', operator: 'Equals', values: ['b'] },
        { key: 'c', operator: 'Exists', values: [] },
        { key: 'd', operator: 'DoesNotExist', values: [] },
        { key: 'e', operator: 'In', values: ['x', 'y'] },
      ],
    ],
  ];
  for (const [text, expected] of table) {
    test(JSON.stringify(text), () => assert.deepEqual(parseLabelSelectorQuery(text), expected));
  }

  const bad: [string, RegExp][] = [
    ['a=b,', /identifier/],
    ['a in ()', /empty/],
    ['a in (x', /expected: ',' or '\)'/],
    ['a in x', /'\('/],
    ['a>b', /integer/],
    ['-a=b', /invalid label key "-a"/],
    ['a=b c', /expected: ','/],
    ['a=-b', /invalid label value "-b"/],
    ['!a=b', /cannot be followed/],
    ['=b', /identifier/],
  ];
  for (const [text, message] of bad) {
    test(`rejects ${JSON.stringify(text)} naming the bad part`, () =>
      assert.throws(() => parseLabelSelectorQuery(text), message));
  }

  const key = fc
    .stringMatching(/^[a-z]([a-z0-9.-]{0,8}[a-z0-9])?$/)
    .filter((k) => k !== 'in' && k !== 'notin');
  const value = fc
    .stringMatching(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,8}[A-Za-z0-9])?$/)
    .filter((v) => v !== 'in' && v !== 'notin');
  const requirement: fc.Arbitrary<Requirement> = fc.oneof(
    fc.record(
      { key, operator: fc.constantFrom('Equals' as const, 'NotEquals' as const), values: fc.tuple(value) },
      { noNullPrototype: true },
    ),
    fc.record(
      {
        key,
        operator: fc.constantFrom('In' as const, 'NotIn' as const),
        values: fc.uniqueArray(value, { minLength: 1, maxLength: 3 }),
      },
      { noNullPrototype: true },
    ),
    fc.record(
      { key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const), values: fc.constant([]) },
      { noNullPrototype: true },
    ),
  );
  const format = (r: Requirement): string => {
    switch (r.operator) {
      case 'Equals':
        return `${r.key}=${r.values[0]}`;
      case 'NotEquals':
        return `${r.key} != ${r.values[0]}`;
      case 'In':
        return `${r.key} in (${r.values.join(', ')})`;
      case 'NotIn':
        return `${r.key} notin (${r.values.join(',')})`;
      case 'Exists':
        return r.key;
      default:
        return `!${r.key}`;
    }
  };
  test('formatted requirements parse back to themselves', () => {
    fc.assert(
      fc.property(fc.array(requirement, { minLength: 1, maxLength: 4 }), (requirements) => {
        assert.deepEqual(parseLabelSelectorQuery(requirements.map(format).join(',')), requirements);
      }),
    );
  });
  test('x=v matches exactly the label sets with x set to v', () => {
    fc.assert(
      fc.property(key, value, fc.dictionary(key, value, { noNullPrototype: true }), (k, v, labels) => {
        const selected = matchesLabels(parseLabelSelectorQuery(`${k}=${v}`), labels);
        assert.equal(selected, labels[k] === v && Object.hasOwn(labels, k));
        assert.equal(matchesLabels(parseLabelSelectorQuery(`${k}!=${v}`), labels), !selected);
      }),
    );
  });
});

describe('parseFieldSelector', () => {
  const table: [string, unknown][] = [
    ['', []],
    ['metadata.name=web', [{ path: 'metadata.name', operator: '=', value: 'web' }]],
    ['metadata.name==web', [{ path: 'metadata.name', operator: '=', value: 'web' }]],
    ['status.phase!=Running', [{ path: 'status.phase', operator: '!=', value: 'Running' }]],
    ['spec.nodeName=', [{ path: 'spec.nodeName', operator: '=', value: '' }]],
    [
      'involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Service,involvedObject.uid=1-2',
      [
        { path: 'involvedObject.name', operator: '=', value: 'web' },
        { path: 'involvedObject.namespace', operator: '=', value: 'default' },
        { path: 'involvedObject.kind', operator: '=', value: 'Service' },
        { path: 'involvedObject.uid', operator: '=', value: '1-2' },
      ],
    ],
    ['message=a\\,b\\=c\\\\d', [{ path: 'message', operator: '=', value: 'a,b=c\\d' }]],
  ];
  for (const [text, expected] of table) {
    test(JSON.stringify(text), () => assert.deepEqual(parseFieldSelector(text), expected));
  }
  for (const bad of ['metadata.name', '=x', 'a=b=c', 'a=b\\x', 'a=b\\', 'a=b,']) {
    test(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(
        () => parseFieldSelector(bad),
        new RegExp(bad.slice(0, 1) === '=' ? 'no field name' : '.'),
      ));
  }

  const event = { type: 'Warning', involvedObject: { kind: 'Service', name: 'web', uid: 'u1' }, count: 2 };
  const matches: [string, boolean][] = [
    ['involvedObject.uid=u1', true],
    ['involvedObject.uid=u2', false],
    ['involvedObject.kind=Service,type=Warning', true],
    ['type!=Warning', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['count=2', true],
    ['', true],
  ];
  for (const [text, expected] of matches) {
    test(`matches ${JSON.stringify(text)} → ${expected}`, () =>
      assert.equal(matchesFieldSelector(event, parseFieldSelector(text)), expected));
  }
});
