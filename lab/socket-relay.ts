// Carries TCP between network namespaces through a Unix socket, which (unlike TCP) is not bound to
// a namespace: the lab API server listens on the root namespace's loopback, and speakers inside
// node namespaces reach it as 127.0.0.1 of their own namespace through two relays.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { stopSignal } from '../common/stop-signal.ts';

export type Endpoint = { path: string } | { host: string; port: number };

export function parseEndpoint(text: string): Endpoint {
  if (text.startsWith('unix:')) return { path: text.slice('unix:'.length) };
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`endpoint "${text}" is neither unix:PATH nor HOST:PORT`);
  }
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

export async function startRelay(listen: Endpoint, target: Endpoint): Promise<Server> {
  const server = createServer((client) => pipeBoth(client, connect(target as never)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in listen) server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  return server;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { listen: { type: 'string' }, connect: { type: 'string' } },
  });
  if (!values.listen || !values.connect) {
    process.stderr.write('usage: socket-relay --listen unix:PATH|HOST:PORT --connect unix:PATH|HOST:PORT\n');
    return 2;
  }
  const server = await startRelay(parseEndpoint(values.listen), parseEndpoint(values.connect));
  process.stdout.write(`relay ${values.listen} -> ${values.connect}\n`);
  await stopSignal();
  server.close();
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
