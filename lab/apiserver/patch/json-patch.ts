// RFC 6902 JSON Patch over a copy of the document; every failure (bad pointer, missing target,
// failing test) is a PatchError naming the operation, so the server can answer 422.

import { isJsonObject, jsonEquals, setMember } from './json-value.ts';
import { PatchError } from './patch-error.ts';

type Container = Record<string, unknown> | unknown[];

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
  hasValue: boolean;
}

export function jsonPatch(original: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  // The document is wrapped so that the root pointer "" is an ordinary member.
  const root: Record<string, unknown> = { doc: structuredClone(original) };
  operations.forEach((raw, index) => {
    const operation = parseOperation(raw, index);
    apply(root, operation, index);
  });
  return root.doc;
}

function parseOperation(raw: unknown, index: number): Operation {
  if (!isJsonObject(raw)) throw new PatchError(`operation ${index} is not an object`);
  const { op, path, from } = raw;
  if (typeof op !== 'string') throw new PatchError(`operation ${index} has no "op"`);
  if (typeof path !== 'string') throw new PatchError(`operation ${index} (${op}) has no "path"`);
  if (from !== undefined && typeof from !== 'string')
    throw new PatchError(`operation ${index} (${op}) has a non-string "from"`);
  return {
    op,
    path,
    ...(from !== undefined ? { from } : {}),
    value: raw.value,
    hasValue: Object.hasOwn(raw, 'value'),
  };
}

function apply(root: Record<string, unknown>, operation: Operation, index: number): void {
  const where = `operation ${index} (${operation.op} ${operation.path})`;
  const requireValue = (): unknown => {
    if (!operation.hasValue) throw new PatchError(`${where} has no "value"`);
    return structuredClone(operation.value);
  };
  const requireFrom = (): string => {
    if (operation.from === undefined) throw new PatchError(`${where} has no "from"`);
    return operation.from;
  };
  switch (operation.op) {
    case 'add':
      add(root, operation.path, requireValue(), where);
      return;
    case 'remove':
      remove(root, operation.path, where);
      return;
    case 'replace': {
      const value = requireValue();
      remove(root, operation.path, where);
      add(root, operation.path, value, where);
      return;
    }
    case 'move': {
      const from = requireFrom();
      if (operation.path.startsWith(`${from}/`)) throw new PatchError(`${where} moves a value into itself`);
      const value = remove(root, from, where);
      add(root, operation.path, value, where);
      return;
    }
    case 'copy':
      add(root, operation.path, structuredClone(get(root, requireFrom(), where)), where);
      return;
    case 'test': {
      const expected = requireValue();
      if (!jsonEquals(get(root, operation.path, where), expected)) {
        throw new PatchError(
          `${where} failed: the value is ${JSON.stringify(get(root, operation.path, where))}`,
        );
      }
      return;
    }
    default:
      throw new PatchError(`operation ${index} has unknown op "${operation.op}"`);
  }
}

function parsePointer(pointer: string, where: string): string[] {
  if (pointer === '') return ['doc'];
  if (!pointer.startsWith('/')) throw new PatchError(`${where}: path "${pointer}" does not start with "/"`);
  return [
    'doc',
    ...pointer
      .slice(1)
      .split('/')
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~')),
  ];
}

/** The container holding the pointer's target and the target's key in it. */
function locate(
  root: Record<string, unknown>,
  pointer: string,
  where: string,
): { parent: Container; key: string } {
  const tokens = parsePointer(pointer, where);
  let parent: Container = root;
  for (const token of tokens.slice(0, -1)) {
    const child = childOf(parent, token, where, pointer);
    if (!Array.isArray(child) && !isJsonObject(child)) {
      throw new PatchError(`${where}: "${pointer}" goes through a missing or non-container value`);
    }
    parent = child;
  }
  return { parent, key: tokens.at(-1) as string };
}

function childOf(parent: Container, token: string, where: string, pointer: string): unknown {
  if (Array.isArray(parent)) return parent[arrayIndex(parent, token, false, where, pointer)];
  return Object.hasOwn(parent, token) ? parent[token] : undefined;
}

function arrayIndex(
  array: unknown[],
  token: string,
  forInsert: boolean,
  where: string,
  pointer: string,
): number {
  if (forInsert && token === '-') return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token))
    throw new PatchError(`${where}: "${token}" in "${pointer}" is not an array index`);
  const index = Number(token);
  const limit = forInsert ? array.length : array.length - 1;
  if (index > limit) throw new PatchError(`${where}: index ${index} in "${pointer}" is out of range`);
  return index;
}

function get(root: Record<string, unknown>, pointer: string, where: string): unknown {
  const { parent, key } = locate(root, pointer, where);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, false, where, pointer)];
  if (!Object.hasOwn(parent, key)) throw new PatchError(`${where}: "${pointer}" does not exist`);
  return parent[key];
}

function add(root: Record<string, unknown>, pointer: string, value: unknown, where: string): void {
  const { parent, key } = locate(root, pointer, where);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, where, pointer), 0, value);
  else setMember(parent, key, value);
}

function remove(root: Record<string, unknown>, pointer: string, where: string): unknown {
  const { parent, key } = locate(root, pointer, where);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false, where, pointer), 1)[0];
  if (!Object.hasOwn(parent, key)) throw new PatchError(`${where}: "${pointer}" does not exist`);
  const value = parent[key];
  delete parent[key];
  return value;
}
