// kube-apiserver's audit log (one JSON event a line) read for refusals: the real server's counterpart
// of the embedded server's `"msg":"forbidden"` log lines, in the same Denial shape, so a test that
// checks "the components were refused nothing" reads either backend alike.
import type { Denial } from '../apiserver/rbac/denial.ts';

interface AuditEvent {
  stage?: string;
  requestReceivedTimestamp?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
  };
  responseStatus?: { code?: number; message?: string };
}

/** A refusal and when the request came in (ms since the epoch). */
export type TimedDenial = Denial & { readonly receivedAtMs: number };

export function auditDenials(log: string): TimedDenial[] {
  return log.split('\n').flatMap((line) => {
    if (!line.includes('"code":403')) return [];
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      return [];
    }
    if (event.stage !== 'ResponseComplete' || event.responseStatus?.code !== 403) return [];
    const ref = event.objectRef ?? {};
    const path = (event.requestURI ?? '').split('?')[0] ?? '';
    return [
      {
        user: event.user?.username ?? '',
        verb: event.verb ?? '',
        apiGroup: ref.apiGroup ?? '',
        resource: ref.resource ?? '',
        ...(ref.subresource !== undefined ? { subresource: ref.subresource } : {}),
        ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
        ...(ref.name !== undefined ? { name: ref.name } : {}),
        path,
        message: event.responseStatus?.message ?? '',
        receivedAtMs: Date.parse(event.requestReceivedTimestamp ?? ''),
      },
    ];
  });
}
