// A short digest telling a config that hands out addresses differently from a no-op update (an
// advertisement's label edit, a status write). A digest, not the text: the text of 40k pools is
// 12 MB, which a component would otherwise keep for the next comparison.

import { createHash } from 'node:crypto';
import { encodeJson } from '../exact-json.ts';
import type { PoolConfig } from './model.ts';

/** Equal for configs that hand out addresses the same way. */
export function configFingerprint(config: PoolConfig): string {
  return createHash('sha256').update(encodeJson(config.pools)).digest('base64url');
}
