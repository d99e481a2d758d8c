// The one HTTP endpoint each component exposes: /healthz (the process answers), /readyz (the
// component says it can do its job) and /metrics (Prometheus text from the component's registry).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Readiness {
  readonly ready: boolean;
  /** Shown in the /readyz body, e.g. which informers have not synced yet. */
  readonly detail?: string;
}

export interface HealthServerOptions {
  /** HOST:PORT, ":PORT" for every interface; port 0 picks a free one. */
  readonly address: string;
  readonly registry: Registry;
  readonly readiness: () => Readiness;
}

export interface HealthServer {
  /** The bound address as HOST:PORT (IPv6 hosts in brackets). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`address ${JSON.stringify(text)} is not HOST:PORT or :PORT (port 0-65535)`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return reply(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      const { ready, detail } = options.readiness();
      const text = `${ready ? 'ok' : 'not ready'}${detail ? `: ${detail}` : ''}\n`;
      return reply(ready ? 200 : 503, 'text/plain', text);
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => reply(200, options.registry.contentType, text),
        (error: Error) => reply(500, 'text/plain', `metrics failed: ${error.message}\n`),
      );
      return;
    }
    reply(404, 'text/plain', 'not found: try /healthz, /readyz or /metrics\n');
  });
  const bound = await listenOn(server, options.address);
  return { ...bound, close: () => closeServer(server) };
}

/** Listens on HOST:PORT (":PORT" for every interface); the bound address as HOST:PORT, IPv6 in brackets. */
export async function listenOn(
  server: http.Server,
  address: string,
): Promise<{ address: string; port: number }> {
  const { host, port } = parseHostPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host === '' ? undefined : host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return { address: `${shown}:${bound.port}`, port: bound.port };
}

/** Closes the server and every connection it still holds (keep-alive ones would hold close() up). */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
