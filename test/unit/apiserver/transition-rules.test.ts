// The embedded server's one CEL rule, self == oldSelf: checked on updates where both sides have a
// value, and any other rule refuses the CRD rather than being silently ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareCrd } from '../../../lab/apiserver/crd-registry.ts';
import { transitionErrors, unsupportedRules } from '../../../lab/apiserver/schema/transition-rules.ts';

const immutable = [{ rule: 'self == oldSelf', message: 'Value is immutable' }];
const schema = {
  type: 'object',
  properties: {
    status: {
      type: 'object',
      properties: {
        node: { type: 'string', 'x-kubernetes-validations': immutable },
        interfaces: { type: 'array', items: { type: 'object' } },
      },
    },
  },
};

const cases = [
  { title: 'first set', old: { status: {} }, next: { status: { node: 'a' } }, errors: [] },
  { title: 'unchanged', old: { status: { node: 'a' } }, next: { status: { node: 'a' } }, errors: [] },
  { title: 'removed', old: { status: { node: 'a' } }, next: { status: {} }, errors: [] },
  { title: 'a create', old: undefined, next: { status: { node: 'a' } }, errors: [] },
  {
    title: 'changed',
    old: { status: { node: 'a', interfaces: [] } },
    next: { status: { node: 'b', interfaces: [{ name: 'x' }] } },
    errors: [
      {
        field: 'status.node',
        message: 'Invalid value: "b": Value is immutable',
        reason: 'FieldValueInvalid',
      },
    ],
  },
];
for (const { title, old, next, errors } of cases) {
  test(`self == oldSelf: ${title}`, () => assert.deepEqual(transitionErrors(schema, next, old), errors));
}

test('a CRD with any other rule is refused, naming the rule and where it is', () => {
  const other = {
    type: 'object',
    properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'size(self) < 3' }] } },
  };
  assert.deepEqual(unsupportedRules(schema), []);
  assert.deepEqual(unsupportedRules(other), ['spec: "size(self) < 3"']);
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'things.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'things', kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: other } }],
    },
  };
  const causes = prepareCrd(crd as never);
  assert.equal(causes.length, 1);
  assert.match(
    causes[0]!.message,
    /"size\(self\) < 3": the embedded API server checks only the CEL rule "self == oldSelf"/,
  );
});
