// JSON merge patch (RFC 7386, its appendix A table) and JSON Patch (RFC 6902, its appendix A
// examples and the error cases), plus properties over random documents.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { jsonMergePatch } from '../../../../lab/apiserver/patch/json-merge-patch.ts';
import { jsonPatch } from '../../../../lab/apiserver/patch/json-patch.ts';
import { PatchError } from '../../../../lab/apiserver/patch/patch-error.ts';

describe('jsonMergePatch (RFC 7386 appendix A)', () => {
  const table: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [original, patch, expected] of table) {
    test(`${JSON.stringify(original)} + ${JSON.stringify(patch)}`, () => {
      const before = structuredClone(original);
      assert.deepEqual(jsonMergePatch(original, patch), expected);
      assert.deepEqual(original, before);
    });
  }

  const json = fc.jsonValue({ maxDepth: 3 });
  test('an empty patch leaves any object as it was', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { noNullPrototype: true }), (doc) =>
        assert.deepEqual(jsonMergePatch(doc, {}), doc),
      ),
    );
  });
  test('applying the same patch twice changes nothing more', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), json, { noNullPrototype: true }),
        fc.dictionary(fc.string(), json, { noNullPrototype: true }),
        (doc, patch) => {
          const once = jsonMergePatch(doc, patch);
          assert.deepEqual(jsonMergePatch(once, patch), once);
        },
      ),
    );
  });
});

describe('jsonPatch (RFC 6902)', () => {
  const table: { name: string; doc: unknown; ops: unknown[]; expected: unknown }[] = [
    {
      name: 'add an object member',
      doc: { foo: 'bar' },
      ops: [{ op: 'add', path: '/baz', value: 'qux' }],
      expected: { foo: 'bar', baz: 'qux' },
    },
    {
      name: 'add an array element',
      doc: { foo: ['bar', 'baz'] },
      ops: [{ op: 'add', path: '/foo/1', value: 'qux' }],
      expected: { foo: ['bar', 'qux', 'baz'] },
    },
    {
      name: 'append with -',
      doc: { foo: [1] },
      ops: [{ op: 'add', path: '/foo/-', value: 2 }],
      expected: { foo: [1, 2] },
    },
    {
      name: 'remove an object member',
      doc: { baz: 'qux', foo: 'bar' },
      ops: [{ op: 'remove', path: '/baz' }],
      expected: { foo: 'bar' },
    },
    {
      name: 'remove an array element',
      doc: { foo: ['bar', 'qux', 'baz'] },
      ops: [{ op: 'remove', path: '/foo/1' }],
      expected: { foo: ['bar', 'baz'] },
    },
    {
      name: 'replace a value',
      doc: { baz: 'qux', foo: 'bar' },
      ops: [{ op: 'replace', path: '/baz', value: 'boo' }],
      expected: { baz: 'boo', foo: 'bar' },
    },
    {
      name: 'move a value',
      doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      ops: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      expected: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    },
    {
      name: 'move an array element',
      doc: { foo: ['all', 'grass', 'cows', 'eat'] },
      ops: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      expected: { foo: ['all', 'cows', 'eat', 'grass'] },
    },
    {
      name: 'copy',
      doc: { a: { b: 1 } },
      ops: [{ op: 'copy', from: '/a', path: '/c' }],
      expected: { a: { b: 1 }, c: { b: 1 } },
    },
    {
      name: 'test then replace',
      doc: { baz: 'qux', foo: ['a', 2, 'c'] },
      ops: [
        { op: 'test', path: '/foo', value: ['a', 2, 'c'] },
        { op: 'replace', path: '/baz', value: 1 },
      ],
      expected: { baz: 1, foo: ['a', 2, 'c'] },
    },
    {
      name: 'add a nested member object',
      doc: { foo: 'bar' },
      ops: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      expected: { foo: 'bar', child: { grandchild: {} } },
    },
    {
      name: 'escaped pointer tokens ~0 and ~1',
      doc: { 'a/b': 1, 'm~n': 2 },
      ops: [
        { op: 'replace', path: '/a~1b', value: 3 },
        { op: 'remove', path: '/m~0n' },
      ],
      expected: { 'a/b': 3 },
    },
    {
      name: 'label with a slash, as kubectl annotates',
      doc: { metadata: { labels: {} } },
      ops: [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' }],
      expected: { metadata: { labels: { 'app.kubernetes.io/name': 'x' } } },
    },
    {
      name: 'replace the whole document',
      doc: { a: 1 },
      ops: [{ op: 'replace', path: '', value: { b: 2 } }],
      expected: { b: 2 },
    },
    {
      name: 'add an array value',
      doc: { foo: ['bar'] },
      ops: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      expected: { foo: ['bar', ['abc', 'def']] },
    },
  ];
  for (const c of table) {
    test(c.name, () => {
      const before = structuredClone(c.doc);
      assert.deepEqual(jsonPatch(c.doc, c.ops), c.expected);
      assert.deepEqual(c.doc, before, 'the input is not mutated');
    });
  }

  const failures: { name: string; doc: unknown; ops: unknown }[] = [
    { name: 'a failing test', doc: { baz: 'qux' }, ops: [{ op: 'test', path: '/baz', value: 'bar' }] },
    { name: 'a test of a missing member', doc: {}, ops: [{ op: 'test', path: '/a', value: 1 }] },
    {
      name: 'add below a missing parent',
      doc: { foo: 'bar' },
      ops: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    },
    { name: 'remove a missing member', doc: {}, ops: [{ op: 'remove', path: '/a' }] },
    { name: 'replace a missing member', doc: {}, ops: [{ op: 'replace', path: '/a', value: 1 }] },
    { name: 'an index past the end', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/5', value: 1 }] },
    { name: 'a leading-zero index', doc: { a: [1, 2] }, ops: [{ op: 'remove', path: '/a/01' }] },
    { name: 'an unknown op', doc: {}, ops: [{ op: 'frob', path: '/a' }] },
    { name: 'a pointer without /', doc: {}, ops: [{ op: 'add', path: 'a', value: 1 }] },
    { name: 'add without value', doc: {}, ops: [{ op: 'add', path: '/a' }] },
    {
      name: 'move into its own child',
      doc: { a: { b: 1 } },
      ops: [{ op: 'move', from: '/a', path: '/a/b/c' }],
    },
    { name: 'operations that are not a list', doc: {}, ops: { op: 'add' } },
  ];
  for (const c of failures) {
    test(`PatchError: ${c.name}`, () => assert.throws(() => jsonPatch(c.doc, c.ops), PatchError));
  }

  test('a failed operation leaves the input unchanged (all or nothing)', () => {
    const doc = { a: 1 };
    assert.throws(
      () =>
        jsonPatch(doc, [
          { op: 'add', path: '/b', value: 2 },
          { op: 'test', path: '/a', value: 2 },
        ]),
      PatchError,
    );
    assert.deepEqual(doc, { a: 1 });
  });

  const key = fc.string({ minLength: 1, maxLength: 6 });
  const pointerToken = (k: string): string => k.replaceAll('~', '~0').replaceAll('/', '~1');
  test('add of a new member then remove of it round-trips, whatever the key characters', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { noNullPrototype: true }),
        key,
        fc.jsonValue({ maxDepth: 2 }),
        (doc, k, value) => {
          fc.pre(!Object.hasOwn(doc, k));
          const added = jsonPatch(doc, [{ op: 'add', path: `/${pointerToken(k)}`, value }]) as Record<
            string,
            unknown
          >;
          assert.deepEqual(added[k], value);
          assert.deepEqual(jsonPatch(added, [{ op: 'remove', path: `/${pointerToken(k)}` }]), doc);
        },
      ),
    );
  });
  test('replace then test of the same value succeeds', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { noNullPrototype: true, minKeys: 1 }),
        fc.jsonValue({ maxDepth: 2 }),
        (doc, value) => {
          const path = `/${pointerToken(Object.keys(doc)[0] as string)}`;
          jsonPatch(doc, [
            { op: 'replace', path, value },
            { op: 'test', path, value },
          ]);
        },
      ),
    );
  });
});
