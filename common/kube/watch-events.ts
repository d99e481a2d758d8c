// The events of one watch response, one JSON object per line, as the API server streams them.
import type { IncomingMessage } from 'node:http';
import type { KubernetesObject } from '@kubernetes/client-node';

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  /** The object; for ERROR, a Status ({code, reason, message}). */
  readonly object: KubernetesObject & { code?: number; message?: string };
}

/** Ends when the response does; a broken connection throws. */
export async function* watchEvents(response: IncomingMessage): AsyncGenerator<WatchEvent> {
  response.setEncoding('utf8');
  let partial = '';
  for await (const chunk of response as AsyncIterable<string>) {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.trim()) yield JSON.parse(line) as WatchEvent;
  }
  if (partial.trim()) yield JSON.parse(partial) as WatchEvent;
}
