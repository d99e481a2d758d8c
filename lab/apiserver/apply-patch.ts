// Runs a PATCH body against the current object with the algorithm its media type names; a patch
// that cannot apply is the client's error (422), never a server failure.

import type { KObject } from './object-model.ts';
import { jsonMergePatch } from './patch/json-merge-patch.ts';
import { jsonPatch } from './patch/json-patch.ts';
import { PatchError } from './patch/patch-error.ts';
import { strategicMergePatch } from './patch/strategic-merge-patch.ts';
import type { PatchType } from './request-body.ts';
import type { ResourceType } from './resource-registry.ts';
import { ApiError, badRequest } from './status-errors.ts';

export function applyPatch(
  type: ResourceType,
  patchType: PatchType,
  current: KObject,
  patch: unknown,
): unknown {
  if (patchType === 'strategic' && type.custom) {
    // kube-apiserver's words: custom resources take every patch type but the strategic one.
    throw new ApiError(
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  }
  if (
    patchType === 'json'
      ? !Array.isArray(patch)
      : typeof patch !== 'object' || patch === null || Array.isArray(patch)
  ) {
    throw badRequest(
      `a ${patchType} patch must be a JSON ${patchType === 'json' ? 'array of operations' : 'object'}`,
    );
  }
  try {
    if (patchType === 'json') return jsonPatch(current, patch);
    if (patchType === 'merge') return jsonMergePatch(current, patch);
    return strategicMergePatch(current, patch, type.kind);
  } catch (error) {
    // kube-apiserver answers a JSON patch that cannot apply (a failed "test", a missing path) with a
    // generic 422 that names neither the operation nor the path: so does this server.
    if (error instanceof PatchError && patchType === 'json') {
      throw new ApiError('Invalid', 'the server rejected our request due to an error in our request', {});
    }
    if (error instanceof PatchError) {
      throw new ApiError('Invalid', `the patch could not be applied: ${error.message}`, {
        name: current.metadata.name,
        group: type.group,
        kind: type.kind,
        causes: [{ field: 'patch', message: error.message, reason: 'FieldValueInvalid' }],
      });
    }
    throw error;
  }
}
