// A patch the client sent that cannot apply to the object: the server answers 422, never 500.
export class PatchError extends Error {
  override name = 'PatchError';
}
