// The lab's backend: answers every request with the node it runs on, so a client can tell which
// node its traffic reached through the VIP.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { stopSignal } from '../../common/stop-signal.ts';

export function echoBody(
  node: string,
  method: string | undefined,
  url: string | undefined,
  host: string | undefined,
) {
  return `${JSON.stringify({ node, method, url, host })}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { node: { type: 'string' }, port: { type: 'string' } },
  });
  if (!values.node || !values.port) {
    process.stderr.write('usage: echo-backend --node NAME --port PORT\n');
    return 2;
  }
  const node = values.node;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Served-By': node });
    res.end(echoBody(node, req.method, req.url, req.headers.host));
  });
  // All addresses: the echo Service's EndpointSlice names the node's own IPs, and a LoadBalancer
  // Service on this port (sharing the ingress VIP) reaches it through the VIP bound on `lo`.
  await new Promise<void>((resolve) => server.listen(Number(values.port), '::', resolve));
  process.stdout.write(`echo backend for ${node} on port ${values.port}\n`);
  await stopSignal();
  server.close();
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
