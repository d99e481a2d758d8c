import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type LabelSelector,
  matchesLabels,
  requirementsFromSelector,
} from '../../../common/label-selector.ts';

test('object-form selectors match as Kubernetes does', () => {
  const cases: [LabelSelector, Record<string, string> | undefined, boolean][] = [
    [{}, undefined, true],
    [{ matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'db' }, false],
    [{ matchLabels: { app: 'web' } }, undefined, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, { zone: 'b' }, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, { zone: 'a' }, false],
    [{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { gpu: '' }, true],
    [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, { gpu: '' }, false],
    [{ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' }, false],
  ];
  for (const [selector, labels, want] of cases) {
    assert.equal(
      matchesLabels(requirementsFromSelector(selector), labels),
      want,
      JSON.stringify([selector, labels]),
    );
  }
});

test('invalid object-form selectors are rejected with the reason', () => {
  assert.throws(
    () => requirementsFromSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }),
    /operator "Gt"/,
  );
  assert.throws(
    () => requirementsFromSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }),
    /needs values/,
  );
  assert.throws(
    () => requirementsFromSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    /takes no values/,
  );
});
