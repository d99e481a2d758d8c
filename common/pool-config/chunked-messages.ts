// Long lists between threads in pieces. Copying a message blocks the thread that sends it and the
// thread that receives it; 40k pools in one message took ~170 ms of the main thread's loop. In
// pieces of a thousand, each copy is a few milliseconds, and the sender yields between pieces.

import type { MessagePort, Worker } from 'node:worker_threads';

type Port = Pick<MessagePort | Worker, 'postMessage' | 'on' | 'off'>;

const piece = 1000;

type Message = { readonly list: string; readonly items: readonly unknown[] } | { readonly done: unknown };

/** Posts each list in pieces, then `done`; resolves once all is posted. */
export async function postInPieces(
  port: Port,
  lists: Readonly<Record<string, readonly unknown[]>>,
  done: unknown,
): Promise<void> {
  for (const [list, items] of Object.entries(lists)) {
    for (let i = 0; i < items.length; i += piece) {
      port.postMessage({ list, items: items.slice(i, i + piece) } satisfies Message);
      await new Promise(setImmediate);
    }
  }
  port.postMessage({ done } satisfies Message);
}

/**
 * Collects the lists postInPieces sends until its `done`; each item goes through `settle` as it
 * arrives (freezing, say), so that work is spread over the pieces too.
 */
export function receivePieces<Done>(
  port: Port,
  settle: (item: unknown) => unknown = (item) => item,
): Promise<{ lists: Record<string, unknown[]>; done: Done }> {
  return new Promise((resolve) => {
    const lists: Record<string, unknown[]> = {};
    const onMessage = (message: Message) => {
      if ('done' in message) {
        port.off('message', onMessage);
        resolve({ lists, done: message.done as Done });
        return;
      }
      lists[message.list] ??= [];
      const into = lists[message.list]!;
      for (const item of message.items) into.push(settle(item));
    };
    port.on('message', onMessage);
  });
}
