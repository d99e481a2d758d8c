// The components' own client (api-connection.ts) and client-node 2.x (explain, the lab, tests) both
// report HTTP failures as {code, body: raw text}; client-node's watch failures are Error
// {statusCode}. Callers only need the status code and a readable message.

export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;

/** The API server's Status message when the body carries one, else the error's own message. */
export function describeApiError(error: unknown): string {
  const code = statusCodeOf(error);
  const body = (error as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return `HTTP ${code}: ${status.message}`;
    } catch {
      // not a Status object: fall through to the error's own message
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined ? message : `HTTP ${code}: ${message.split('\n')[0]}`;
}
