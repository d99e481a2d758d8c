// A transparent HTTPS proxy in front of the real kube-apiserver that can inject the same faults the
// embedded server can (cut every watch, fail the next matching requests with 409 or 500, hold
// requests), so resilience tests run unchanged on both backends. Everything else passes through:
// bodies and watch streams are piped, a bearer token is forwarded as it came, and a client that
// authenticated with the lab's admin certificate (the only client certificate the lab's CA issues)
// is forwarded with that certificate.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type FaultControls, Faults } from '../apiserver/faults.ts';
import type { LabPki } from './pki.ts';

export interface FaultProxy {
  readonly port: number;
  readonly faults: FaultControls;
  close(): Promise<void>;
}

function isWatch(url: URL): boolean {
  const watch = url.searchParams.get('watch');
  return watch === 'true' || watch === '1';
}

export async function startFaultProxy(pki: LabPki, upstreamPort: number): Promise<FaultProxy> {
  const [ca, cert, key, adminCert, adminKey] = await Promise.all(
    [pki.caCert, pki.servingCert, pki.servingKey, pki.adminCert, pki.adminKey].map((f) => readFile(f)),
  );
  const faults = new Faults();

  const forward = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const presentedCert = (req.socket as TLSSocket).authorized === true;
    const headers = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers,
        ca,
        ...(presentedCert ? { cert: adminCert, key: adminKey } : {}),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (isWatch(url)) res.flushHeaders();
        answer.pipe(res);
        // An answer cut short (the API server stopped mid-watch) cuts the client's connection too;
        // piping alone would leave its watch waiting on a stream that never ends.
        answer.on('close', () => {
          if (!answer.complete) res.socket?.destroy();
        });
      },
    );
    // The API server gone: the client sees its connection cut, as it would without the proxy.
    upstream.on('error', () => res.socket?.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    await faults.gate();
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (faults.answerWithFailure(req, res, url.pathname)) return;
    if (isWatch(url)) {
      faults.watches.add(res);
      res.on('close', () => faults.watches.delete(res));
    }
    forward(req, res, url);
  };

  const server: Server = createServer(
    { cert, key, ca, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 60_000 },
    (req, res) => {
      serve(req, res).catch(() => res.socket?.destroy());
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    faults,
    async close() {
      faults.resume();
      faults.dropWatches();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
