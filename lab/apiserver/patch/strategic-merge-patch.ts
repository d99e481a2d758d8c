// Kubernetes strategic merge patch as kubectl sends it for built-in kinds (client-side apply, edit,
// patch): lists with a merge strategy merge element by element (by merge key, or as a set of
// primitives) and the $patch, $retainKeys, $setElementOrder and $deleteFromPrimitiveList
// directives are honoured, following apimachinery's strategicpatch package.

import { isJsonObject, type JsonObject, setMember } from './json-value.ts';
import { PatchError } from './patch-error.ts';
import { type FieldRule, type StructRules, strategicRulesByKind } from './patch-strategies.ts';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder/';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

/** Kinds without rules (custom resources) get plain merge semantics: maps merge, lists replace. */
export function strategicMergePatch(original: unknown, patch: unknown, kind: string): unknown {
  if (!isJsonObject(patch)) throw new PatchError('a strategic merge patch must be a JSON object');
  const rules = strategicRulesByKind[kind] ?? {};
  return mergeMap(isJsonObject(original) ? structuredClone(original) : {}, structuredClone(patch), rules, '');
}

function mergeMap(original: JsonObject, patch: JsonObject, rules: StructRules, path: string): JsonObject {
  const directive = patch[directiveMarker];
  if (directive !== undefined) {
    const { [directiveMarker]: _, ...rest } = patch;
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeMap({}, rest, rules, path);
    if (directive !== 'merge')
      throw new PatchError(`${where(path)}: unknown $patch directive ${JSON.stringify(directive)}`);
    return mergeMap(original, rest, rules, path);
  }
  const pending = { ...patch };
  applyRetainKeys(original, pending, path);
  for (const key of Object.keys(pending).filter((k) => k.startsWith(setElementOrderPrefix))) {
    mergeOrderedList(original, pending, key.slice(setElementOrderPrefix.length), rules, path);
    delete pending[key];
  }
  for (const [key, value] of Object.entries(pending)) {
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      deleteFromPrimitiveList(original, key.slice(deleteFromPrimitiveListPrefix.length), value, path);
    } else if (value === null) {
      delete original[key];
    } else {
      setMember(
        original,
        key,
        mergeValue(
          Object.hasOwn(original, key) ? original[key] : undefined,
          value,
          Object.hasOwn(rules, key) ? rules[key] : undefined,
          join(path, key),
        ),
      );
    }
  }
  return original;
}

function mergeValue(original: unknown, patch: unknown, rule: FieldRule | undefined, path: string): unknown {
  if (isJsonObject(patch)) {
    return mergeMap(isJsonObject(original) ? original : {}, patch, rule?.fields ?? {}, path);
  }
  if (Array.isArray(patch)) {
    if (!rule?.merge) return patch;
    return mergeList(Array.isArray(original) ? original : [], patch, rule, path);
  }
  return patch;
}

/** $retainKeys drops the original's fields not listed, after checking the patch stays inside them. */
function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const retained = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retained)) throw new PatchError(`${where(path)}: $retainKeys must be a list`);
  const keep = new Set(retained);
  for (const [key, value] of Object.entries(patch)) {
    const directiveKey =
      key.startsWith(setElementOrderPrefix) || key.startsWith(deleteFromPrimitiveListPrefix);
    if (value !== null && !directiveKey && !keep.has(key)) {
      throw new PatchError(`${where(path)}: field "${key}" is in the patch but not in $retainKeys`);
    }
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

function deleteFromPrimitiveList(original: JsonObject, key: string, toDelete: unknown, path: string): void {
  if (!Array.isArray(toDelete))
    throw new PatchError(`${where(join(path, key))}: $deleteFromPrimitiveList must be a list`);
  const current = original[key];
  if (Array.isArray(current)) original[key] = current.filter((item) => !toDelete.includes(item));
}

/** A list named by $setElementOrder: merged as usual, then put in the order the directive gives. */
function mergeOrderedList(
  original: JsonObject,
  patch: JsonObject,
  key: string,
  rules: StructRules,
  path: string,
): void {
  const order = patch[`${setElementOrderPrefix}${key}`];
  const listPath = join(path, key);
  if (!Array.isArray(order)) throw new PatchError(`${where(listPath)}: $setElementOrder must be a list`);
  const rule = rules[key];
  const originalList = Array.isArray(original[key]) ? (original[key] as unknown[]) : undefined;
  const patchList = patch[key];
  delete patch[key];
  if (patchList !== undefined && !Array.isArray(patchList))
    throw new PatchError(`${where(listPath)} must be a list`);
  if (originalList === undefined && patchList === undefined) return;
  const mergeKey = rule?.mergeKey;
  const identity = identityOf(mergeKey, listPath);
  const merged =
    patchList === undefined
      ? originalList!
      : rule?.merge
        ? mergeList(originalList ?? [], patchList, rule, listPath)
        : (mergeValue(undefined, patchList, rule, listPath) as unknown[]);
  const orderIds = order.map(identity);
  original[key] = normalizeOrder(merged, orderIds, (originalList ?? []).map(identity), identity);
}

function mergeList(original: unknown[], patch: unknown[], rule: FieldRule, path: string): unknown[] {
  if (rule.mergeKey === undefined) {
    if (patch.some((item) => isJsonObject(item) || Array.isArray(item))) {
      throw new PatchError(`${where(path)}: a list without merge key can only merge primitive values`);
    }
    const merged = [...original];
    for (const item of patch) if (!merged.includes(item)) merged.push(item);
    return normalizeOrder(merged, patch, original, (item) => item);
  }
  const mergeKey = rule.mergeKey;
  const identity = identityOf(mergeKey, path);
  let current = [...original];
  const additions: JsonObject[] = [];
  let replace = false;
  for (const item of patch) {
    if (!isJsonObject(item))
      throw new PatchError(`${where(path)}: element ${JSON.stringify(item)} is not an object`);
    const directive = item[directiveMarker];
    if (directive === undefined) additions.push(item);
    else if (directive === 'delete') {
      const id = identity(item);
      current = current.filter((existing) => identity(existing) !== id);
    } else if (directive === 'replace') replace = true;
    else
      throw new PatchError(
        `${where(path)}: unsupported $patch directive ${JSON.stringify(directive)} in a list`,
      );
  }
  if (replace) return additions.map((item) => mergeMap({}, item, rule.fields ?? {}, path));
  for (const item of additions) {
    const id = identity(item);
    const index = current.findIndex((existing) => identity(existing) === id);
    const base = index >= 0 && isJsonObject(current[index]) ? (current[index] as JsonObject) : {};
    const merged = mergeMap(base, item, rule.fields ?? {}, `${path}[${mergeKey}=${String(id)}]`);
    if (index >= 0) current[index] = merged;
    else current.push(merged);
  }
  return normalizeOrder(current, additions.map(identity), original.map(identity), identity);
}

function identityOf(mergeKey: string | undefined, path: string): (item: unknown) => unknown {
  if (mergeKey === undefined) return (item) => item;
  return (item) => {
    if (!isJsonObject(item) || !Object.hasOwn(item, mergeKey)) {
      throw new PatchError(`${where(path)}: element ${JSON.stringify(item)} has no merge key "${mergeKey}"`);
    }
    return item[mergeKey];
  };
}

/**
 * Items named in the patch come in the patch's order; items only on the server keep their
 * relative order and are slotted in by their old position, as apimachinery's mergeSortedSlice.
 */
function normalizeOrder(
  merged: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  identity: (item: unknown) => unknown,
): unknown[] {
  const fromPatch = merged.filter((item) => patchOrder.includes(identity(item)));
  const serverOnly = merged.filter((item) => !patchOrder.includes(identity(item)));
  fromPatch.sort((a, b) => patchOrder.indexOf(identity(a)) - patchOrder.indexOf(identity(b)));
  const serverIndex = (item: unknown): number => serverOrder.indexOf(identity(item));
  serverOnly.sort((a, b) => serverIndex(a) - serverIndex(b));
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (j >= fromPatch.length) result.push(serverOnly[i++]);
    else if (i >= serverOnly.length) result.push(fromPatch[j++]);
    else {
      const left = serverIndex(serverOnly[i]);
      const right = serverIndex(fromPatch[j]);
      if (left >= 0 && right >= 0 && left < right) result.push(serverOnly[i++]);
      else result.push(fromPatch[j++]);
    }
  }
  return result;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function where(path: string): string {
  return path === '' ? 'the patch' : path;
}
