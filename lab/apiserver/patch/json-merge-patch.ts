// RFC 7386 JSON merge patch: objects merge key by key, null deletes, anything else replaces.

import { isJsonObject, type JsonObject, setMember } from './json-value.ts';

export function jsonMergePatch(original: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: JsonObject = isJsonObject(original) ? structuredClone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else setMember(result, key, jsonMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}
