// The worker thread that answers ARP and NDP: a tight loop of native reads, the pure responder and
// batched sends, on a thread of its own so that main-thread work (informers, elections, GC of a big
// heap) never delays a reply. Everything it knows comes from the Announcer facade by message; what
// it does with it is answering-thread.ts, here on the real packet sockets.
import { parentPort, workerData } from 'node:worker_threads';
import type { AnnouncerEvent, AnnouncerRequest, AnnouncerWorkerData } from './announcer-messages.ts';
import { AnsweringThread } from './answering-thread.ts';
import { MainThreadFence } from './main-thread-fence.ts';
import { openPacketSocket } from './packet-socket.ts';

const port = parentPort!;
const { interfaces, fenceCell, fenceAfterMs } = workerData as AnnouncerWorkerData;

function reply(event: AnnouncerEvent): void {
  port.postMessage(event);
}

const thread = new AnsweringThread({
  openSocket: openPacketSocket,
  fence: new MainThreadFence(fenceCell, fenceAfterMs),
  onFenced: () => reply({ op: 'fenced' }),
});

function close(): void {
  thread.close();
}

port.on('message', (request: AnnouncerRequest) => {
  try {
    switch (request.op) {
      case 'setLed':
        thread.setLed(request.ips, request.restrictTo);
        return reply({ op: 'done', id: request.id });
      case 'setInterfaces':
        thread.setInterfaces(request.interfaces);
        return reply({ op: 'done', id: request.id });
      case 'announce':
        for (const ip of request.ips) thread.announce(ip);
        return reply({ op: 'done', id: request.id });
      case 'solicit':
        thread.solicit(request.from, request.targets);
        return reply({ op: 'done', id: request.id });
      case 'stats':
        return reply({ op: 'done', id: request.id, stats: thread.stats() });
      case 'close':
        close();
        reply({ op: 'done', id: request.id });
        port.close();
        return;
    }
  } catch (error) {
    reply({ op: 'done', id: request.id, error: (error as Error).message });
  }
});

try {
  thread.setInterfaces(interfaces);
  reply({ op: 'ready' });
} catch (error) {
  close();
  reply({ op: 'failed', message: (error as Error).message });
  port.close();
}
