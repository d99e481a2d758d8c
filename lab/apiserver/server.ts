// The lab's embedded Kubernetes API server: plain HTTP, good enough for kubectl and
// @kubernetes/client-node. This file wires storage, persistence, watch and HTTP together; the
// rules live in the modules it imports.

import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { apiVersions, group, groupList, resourceList, serverVersion } from './discovery.ts';
import { type FaultControls, Faults } from './faults.ts';
import { route } from './http-router.ts';
import { ObjectLifecycle } from './object-lifecycle.ts';
import { ObjectStore } from './object-store.ts';
import { groupVersionDocument, rootDocument } from './openapi.ts';
import { PersistenceLog } from './persistence-log.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { type HandlerContext, handleResource } from './rest-handlers.ts';
import { ApiError, statusBody } from './status-errors.ts';
import { WatchHub } from './watch-hub.ts';

export interface ApiServerOptions {
  /** "127.0.0.1:0" by default; port 0 picks a free port. */
  listen?: string;
  /** Directory for durable state; omitted keeps everything in memory. */
  dataDir?: string;
  /** Changes kept for resuming watches (default 10 000); older resourceVersions get 410 Expired. */
  watchHistory?: number;
  /** Interval of BOOKMARK events for watches that allow them (default 5000 ms). */
  bookmarkIntervalMs?: number;
}

export interface ApiServer {
  readonly url: string;
  kubeconfig(): string;
  writeKubeconfig(file: string): Promise<void>;
  readonly faults: FaultControls;
  close(): Promise<void>;
}

/** Who is asking; carried on every request so authorization can be added without reshaping handlers. */
export interface RequestIdentity {
  bearerToken?: string;
}

const initialNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`listen address ${JSON.stringify(listen)} is not HOST:PORT`);
  return { host: (match[1] ?? match[2])!, port };
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:0');
  const opened = options.dataDir ? PersistenceLog.open(options.dataDir) : undefined;
  const initial = opened?.state ?? { rv: 0, objects: [] };
  const log = opened?.log;
  const hub = new WatchHub(options.watchHistory ?? 10_000, initial.rv);
  const store = new ObjectStore(
    { ...(log ? { persist: (entry) => log.append(entry) } : {}), publish: (change) => hub.publish(change) },
    initial,
  );
  const registry = new ResourceRegistry();
  const now = () => new Date();
  const lifecycle = new ObjectLifecycle(store, registry, now);
  const namespaceType = registry.lookup('', 'v1', 'namespaces')!;
  for (const name of initialNamespaces) {
    if (!store.get('namespaces', undefined, name))
      lifecycle.create(namespaceType, undefined, { metadata: { name } }, { dryRun: false });
  }

  const faults = new Faults();
  const watches = new Set<ServerResponse>();
  const context: HandlerContext = {
    hub,
    lifecycle,
    now,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
    track: (res) => {
      watches.add(res);
      faults.watches.add(res);
      return () => {
        watches.delete(res);
        faults.watches.delete(res);
      };
    },
  };

  let serverAddress = '';
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    serve(req, res).catch((error: unknown) =>
      reply(res, 500, statusBody(500, 'InternalError', `internal error: ${(error as Error).message}`)),
    );
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await faults.gate();
    const failure = faults.takeFailure();
    if (failure !== undefined) {
      req.resume();
      const reason = failure === 500 ? 'InternalError' : 'Conflict';
      reply(res, failure, statusBody(failure, reason, `injected fault: ${reason}`));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const identity: RequestIdentity = bearerTokenOf(req);
    try {
      const answer = await dispatch(req, res, url, identity);
      if (answer) reply(res, answer.code, answer.body);
    } catch (error) {
      if (error instanceof ApiError) reply(res, error.code, error.toStatus());
      else throw error;
    } finally {
      if (log?.shouldCompact()) log.compact(store.snapshot());
    }
  }

  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    _identity: RequestIdentity,
  ): Promise<{ code: number; body: unknown } | undefined> {
    const target = route(url.pathname);
    const found = (body: unknown) => {
      if (body === undefined)
        throw new ApiError('NotFound', 'the server could not find the requested resource');
      return { code: 200, body };
    };
    if (target.kind !== 'resource' && req.method !== 'GET') {
      req.resume();
      if (target.kind === 'unknown')
        throw new ApiError('NotFound', 'the server could not find the requested resource');
      throw new ApiError(
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource: ${req.method}`,
      );
    }
    switch (target.kind) {
      case 'version':
        return found(serverVersion);
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
        return undefined;
      case 'apiVersions':
        return found(apiVersions(serverAddress));
      case 'groupList':
        return found(groupList(registry));
      case 'group':
        return found(group(registry, target.group));
      case 'resourceList':
        return found(resourceList(registry, target.group, target.version));
      case 'openapiRoot':
        return found(rootDocument(registry));
      case 'openapiGroupVersion':
        return found(groupVersionDocument(registry, target.group, target.version));
      case 'resource': {
        const type = registry.lookup(target.group, target.version, target.resource);
        if (!type) {
          req.resume();
          throw new ApiError(
            'NotFound',
            `the server could not find the requested resource (${target.resource})`,
            {
              group: target.group,
              kind: target.resource,
            },
          );
        }
        return handleResource(
          context,
          {
            type,
            namespace: target.namespace,
            name: target.name,
            subresource: target.subresource,
            legacyWatch: target.legacyWatch,
            query: url.searchParams,
          },
          req,
          res,
        );
      }
      case 'unknown':
        throw new ApiError('NotFound', 'the server could not find the requested resource');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  serverAddress = `${urlHost}:${address.port}`;
  const url = `http://${serverAddress}`;

  const kubeconfig = (): string =>
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'lab', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'lab-admin', user: { token: 'lab-admin-token' } }],
      contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'lab-admin', namespace: 'default' } }],
      'current-context': 'lab',
      preferences: {},
    });

  let closing: Promise<void> | undefined;
  return {
    url,
    kubeconfig,
    writeKubeconfig: (file) => fs.writeFile(file, kubeconfig(), { mode: 0o600 }),
    faults,
    close() {
      closing ??= new Promise<void>((resolve) => {
        faults.resume();
        for (const watch of watches) watch.destroy();
        server.close(() => {
          log?.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
    .end(text);
}

function bearerTokenOf(req: IncomingMessage): RequestIdentity {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match ? { bearerToken: match[1]! } : {};
}
