// Custom resources against a CRD's openAPIV3Schema: defaults, pruning and validation errors
// with field paths, using a schema shaped like MetalLB's IPAddressPool.
// biome-ignore-all lint/suspicious/noExplicitAny: the checks walk patched JSON whose shape each case knows

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultAndValidate } from '../../../../lab/apiserver/schema/structural-schema.ts';

const schema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['addresses'],
      properties: {
        addresses: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'string', format: 'cidr' } },
        autoAssign: { type: 'boolean', default: true },
        avoidBuggyIPs: { type: 'boolean', default: false },
        mode: { type: 'string', enum: ['layer2', 'bgp'] },
        priority: { type: 'integer', minimum: 0, maximum: 10 },
        weight: { type: 'number' },
        port: { 'x-kubernetes-int-or-string': true },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 5 },
        gateway: { type: 'string', format: 'ipv4' },
        gateway6: { type: 'string', format: 'ipv6' },
        note: { type: 'string', nullable: true },
        selectors: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        serviceAllocation: {
          type: 'object',
          default: {},
          properties: {
            priority: { type: 'integer', default: 5 },
            namespaces: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
    status: { type: 'object', properties: { assignedIPv4: { type: 'integer' } } },
  },
};

const pool = (spec: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name: 'p', namespace: 'metallb-system', labels: { a: 'b' } },
  spec: { addresses: ['192.0.2.0/28'], ...spec },
  ...rest,
});

describe('defaultAndValidate', () => {
  test('applies defaults recursively and keeps apiVersion, kind and metadata untouched', () => {
    const input = pool({});
    const result = defaultAndValidate(schema, input);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.object, {
      ...input,
      spec: {
        addresses: ['192.0.2.0/28'],
        autoAssign: true,
        avoidBuggyIPs: false,
        serviceAllocation: { priority: 5 },
      },
    });
    assert.deepEqual(input.spec, { addresses: ['192.0.2.0/28'] }, 'the input is not mutated');
  });

  test('does not override given values with defaults', () => {
    const result = defaultAndValidate(
      schema,
      pool({ autoAssign: false, serviceAllocation: { priority: 1 } }),
    );
    assert.deepEqual((result.object as any).spec.autoAssign, false);
    assert.deepEqual((result.object as any).spec.serviceAllocation, { priority: 1 });
  });

  test('prunes unknown fields silently and reports their paths', () => {
    const result = defaultAndValidate(
      schema,
      pool({ bogus: 1, serviceAllocation: { x: 2 } }, { extraTop: true }),
    );
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.unknownFields.sort(), ['extraTop', 'spec.bogus', 'spec.serviceAllocation.x']);
    assert.equal('bogus' in (result.object as any).spec, false);
    assert.equal('extraTop' in (result.object as any), false);
  });

  test('keeps unknown fields under x-kubernetes-preserve-unknown-fields and validates additionalProperties', () => {
    const result = defaultAndValidate(
      schema,
      pool({ extra: { anything: [1] }, selectors: { a: 'x', b: 2 } }),
    );
    assert.deepEqual((result.object as any).spec.extra, { anything: [1] });
    assert.deepEqual(
      result.errors.map((e) => e.field),
      ['spec.selectors.b'],
    );
  });

  const invalid: [string, Record<string, unknown>, string, RegExp][] = [
    ['a missing required field', { addresses: undefined }, 'spec.addresses', /Required value/],
    ['a wrong type', { autoAssign: 'yes' }, 'spec.autoAssign', /must be of type boolean/],
    ['a float for an integer', { priority: 1.5 }, 'spec.priority', /must be of type integer/],
    [
      'a value outside enum',
      { mode: 'bgpx' },
      'spec.mode',
      /Unsupported value: "bgpx": supported values: "layer2", "bgp"/,
    ],
    ['a number below minimum', { priority: -1 }, 'spec.priority', /greater than or equal to 0/],
    ['a number above maximum', { priority: 11 }, 'spec.priority', /less than or equal to 10/],
    [
      'an int64 past 2^53 above maximum',
      { priority: 2n ** 60n },
      'spec.priority',
      /Invalid value: 1152921504606846976: .*less than or equal to 10/,
    ],
    ['an int64 past 2^53 in an enum', { mode: 2n ** 60n }, 'spec.mode', /must be of type string: "integer"/],
    ['too few items', { addresses: [] }, 'spec.addresses', /at least 1 items/],
    [
      'too many items',
      { addresses: ['192.0.2.0/30', '192.0.2.4/30', '192.0.2.8/30', '192.0.2.12/30'] },
      'spec.addresses',
      /at most 3 items/,
    ],
    [
      'a bad CIDR item',
      { addresses: ['192.0.2.0/28', '192.0.2.300/28'] },
      'spec.addresses[1]',
      /must be of type cidr/,
    ],
    ['a pattern mismatch', { name: 'ABC' }, 'spec.name', /should match '\^\[a-z\]\+\$'/],
    ['a too long string', { name: 'abcdef' }, 'spec.name', /at most 5 chars/],
    ['a bad ipv4', { gateway: '2001:db8::1' }, 'spec.gateway', /must be of type ipv4/],
    ['a bad ipv6', { gateway6: '192.0.2.1' }, 'spec.gateway6', /must be of type ipv6/],
    ['int-or-string given a boolean', { port: true }, 'spec.port', /integer or string/],
    ['a null inside an array', { addresses: [null] }, 'spec.addresses[0]', /must be of type string/],
  ];
  for (const [name, spec, field, message] of invalid) {
    test(`reports ${name} at ${field}`, () => {
      const input = pool(spec);
      if (spec.addresses === undefined && 'addresses' in spec)
        delete (input.spec as Record<string, unknown>).addresses;
      const { errors } = defaultAndValidate(schema, input);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]?.field, field);
      assert.match(errors[0]?.message ?? '', message);
    });
  }

  test('accepts valid values of every checked kind', () => {
    const { errors } = defaultAndValidate(
      schema,
      pool({
        addresses: ['2001:db8::/64'],
        mode: 'bgp',
        priority: 10,
        weight: 0.5,
        port: 'http',
        name: 'abc',
        gateway: '192.0.2.1',
        gateway6: '2001:db8::1',
        note: null,
      }),
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(defaultAndValidate(schema, pool({ port: 8080 })).errors, []);
  });

  test('a null for a non-nullable field is dropped and then defaulted', () => {
    const result = defaultAndValidate(schema, pool({ autoAssign: null }));
    assert.deepEqual(result.errors, []);
    assert.equal((result.object as any).spec.autoAssign, true);
  });

  test('metadata that is not an object is an error', () => {
    assert.deepEqual(
      defaultAndValidate(schema, { metadata: 'x', spec: { addresses: ['192.0.2.0/28'] } }).errors.map(
        (e) => e.field,
      ),
      ['metadata'],
    );
  });
});
