// Long lists between threads in pieces, one piece per task on each side. Copying a message blocks
// the thread that sends it and the thread that receives it: 40k pools in one message took ~170 ms
// of the main thread's loop. Pieces alone are not enough: a port delivers every message already
// queued in one go, so the sender waits for the receiver's ack of each piece before the next, and
// the receiver acks only after yielding to its other work.

import type { MessagePort, Worker } from 'node:worker_threads';

type Port = Pick<MessagePort | Worker, 'postMessage' | 'on' | 'off'>;

const piece = 250;

type Message =
  | { readonly list: string; readonly items: readonly unknown[] }
  | { readonly done: unknown }
  | { readonly ack: true };

function nextAck(port: Port): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: Message) => {
      if (!('ack' in message)) return;
      port.off('message', onMessage);
      resolve();
    };
    port.on('message', onMessage);
  });
}

/** Posts each list in pieces, each once the last was taken in, then `done`. */
export async function postInPieces(
  port: Port,
  lists: Readonly<Record<string, readonly unknown[]>>,
  done: unknown,
): Promise<void> {
  for (const [list, items] of Object.entries(lists)) {
    for (let i = 0; i < items.length; i += piece) {
      const taken = nextAck(port);
      port.postMessage({ list, items: items.slice(i, i + piece) } satisfies Message);
      await taken;
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
      if ('ack' in message) return;
      if ('done' in message) {
        port.off('message', onMessage);
        resolve({ lists, done: message.done as Done });
        return;
      }
      lists[message.list] ??= [];
      const into = lists[message.list]!;
      for (const item of message.items) into.push(settle(item));
      setImmediate(() => port.postMessage({ ack: true } satisfies Message));
    };
    port.on('message', onMessage);
  });
}
