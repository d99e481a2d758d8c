// The lab's embedded Kubernetes API server: plain HTTP, good enough for kubectl and
// @kubernetes/client-node. This file wires storage, persistence, watch and HTTP together; the
// rules live in the modules it imports.

import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { encodeJson } from '../../common/exact-json.ts';
import { authenticate, isSuperUser, type TokenAuthority, type UserInfo } from './auth/authentication.ts';
import { impersonatedUser, impersonationChecks, impersonationOf } from './auth/impersonation.ts';
import { signToken, verifyToken } from './auth/service-account-token.ts';
import { loadSigningKey } from './auth/signing-key.ts';
import { tokenRequestResponse, tokenRequestSpec } from './auth/token-request.ts';
import { decodeTokenRequestProtobuf } from './auth/token-request-protobuf.ts';
import { apiVersions, group, groupList, resourceList, serverVersion } from './discovery.ts';
import { type FaultControls, Faults } from './faults.ts';
import { type Route, route } from './http-router.ts';
import { ObjectLifecycle } from './object-lifecycle.ts';
import { ObjectStore } from './object-store.ts';
import { groupVersionDocument, rootDocument } from './openapi.ts';
import { PersistenceLog } from './persistence-log.ts';
import { isProtobuf } from './protobuf-wire.ts';
import { type Denial, denialOf } from './rbac/denial.ts';
import { forbiddenError } from './rbac/forbidden.ts';
import { RbacPolicyCache } from './rbac/policy-cache.ts';
import { authorize } from './rbac/rbac-authorizer.ts';
import { type RequestAttributes, requestAttributes } from './rbac/request-attributes.ts';
import { decodeReviewProtobuf, reviewAttributes, reviewResponse } from './rbac/self-subject-access-review.ts';
import { decodeObjectBody, readBody } from './request-body.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { type HandlerContext, handleResource } from './rest-handlers.ts';
import { ApiError, notFound, statusBody } from './status-errors.ts';
import { WatchHub } from './watch-hub.ts';

export interface ApiServerOptions {
  /** "127.0.0.1:0" by default; port 0 picks a free port. */
  listen?: string;
  /** Directory for durable state; omitted keeps everything in memory. */
  dataDir?: string;
  /** Changes kept for resuming watches (default 10 000); older resourceVersions get 410 Expired. */
  watchHistory?: number;
  /** Interval of BOOKMARK events for watches that allow them (default 60 000 ms, kube-apiserver's). */
  bookmarkIntervalMs?: number;
  /**
   * Serve HTTPS with this certificate and key (PEM). kubectl sends bearer tokens (and
   * impersonation headers) only over TLS, so ServiceAccount tokens need it with kubectl.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Called for every request refused with 403 (the CLI logs it). */
  onDenial?: (denial: Denial) => void;
}

export type { FaultControls, FaultMatch } from './faults.ts';
export type { Denial } from './rbac/denial.ts';

export interface ApiServer {
  readonly url: string;
  kubeconfig(): string;
  writeKubeconfig(file: string): Promise<void>;
  readonly faults: FaultControls;
  /** Every request refused with 403 so far, oldest first (the latest `maxDenials` are kept). */
  readonly denials: readonly Denial[];
  /**
   * A token for the ServiceAccount, as `kubectl create token` gets (default 3600 s, any positive
   * number of seconds here). Throws when the ServiceAccount does not exist.
   */
  issueToken(namespace: string, serviceAccount: string, seconds?: number): string;
  close(): Promise<void>;
}

export const maxDenials = 10_000;

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
  const rbac = new RbacPolicyCache(() => ({
    roles: store.list('rbac.authorization.k8s.io/roles'),
    clusterRoles: store.list('rbac.authorization.k8s.io/clusterroles'),
    roleBindings: store.list('rbac.authorization.k8s.io/rolebindings'),
    clusterRoleBindings: store.list('rbac.authorization.k8s.io/clusterrolebindings'),
  }));
  const store = new ObjectStore(
    {
      ...(log ? { persist: (entry) => log.append(entry) } : {}),
      publish: (change) => {
        hub.publish(change);
        rbac.changed(change.storeKey);
      },
    },
    initial,
  );
  const registry = new ResourceRegistry();
  const now = () => new Date();
  const signingKey = loadSigningKey(options.dataDir);
  const serviceAccounts = registry.lookup('', 'v1', 'serviceaccounts')!;
  const tokens: TokenAuthority = {
    verify: (token) => verifyToken(signingKey, token, Math.floor(now().getTime() / 1000)),
    accountUid: (namespace, name) => store.get(serviceAccounts.storeKey, namespace, name)?.metadata.uid,
  };
  const denials: Denial[] = [];
  /** Signs a token for an existing ServiceAccount; the issue time is whole seconds, as in the claims. */
  const issue = (namespace: string, name: string, seconds: number, audiences?: string[]) => {
    const account = store.get(serviceAccounts.storeKey, namespace, name);
    if (!account) throw notFound('', 'serviceaccounts', name);
    const issuedSeconds = Math.floor(now().getTime() / 1000);
    const ref = { namespace, name, uid: account.metadata.uid! };
    const { token } = signToken(signingKey, ref, issuedSeconds, seconds, audiences);
    return { token, issued: new Date(issuedSeconds * 1000) };
  };
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
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
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
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) =>
      reply(res, 500, statusBody(500, 'InternalError', `internal error: ${(error as Error).message}`)),
    );
  };
  const server = options.tls
    ? https.createServer({ keepAliveTimeout: 60_000, ...options.tls }, handle)
    : http.createServer({ keepAliveTimeout: 60_000 }, handle);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await faults.gate();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (faults.answerWithFailure(req, res, url.pathname)) return;
    const authenticated = authenticate(bearerTokenOf(req), tokens);
    if (!authenticated) {
      req.resume();
      reply(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const target = route(url.pathname);
    try {
      const impersonation = impersonationOf(req.headers);
      let user = authenticated;
      if (impersonation) {
        for (const check of impersonationChecks(impersonation, url.pathname))
          requireAllowed(authenticated, check);
        user = impersonatedUser(impersonation);
      }
      if (!isSuperUser(user))
        requireAllowed(user, requestAttributes(req.method ?? 'GET', url.pathname, target, url.searchParams));
      const answer = await dispatch(req, res, url, target, user);
      if (answer) reply(res, answer.code, answer.body);
    } catch (error) {
      if (error instanceof ApiError) {
        req.resume();
        reply(res, error.code, error.toStatus());
      } else throw error;
    } finally {
      if (log?.shouldCompact()) log.compact(store.snapshot());
    }
  }

  /** Throws 403 Forbidden unless RBAC allows the request; records every refusal. */
  function requireAllowed(user: UserInfo, attributes: RequestAttributes): void {
    const decision = authorize(rbac.current(), user, attributes);
    if (decision.allowed) return;
    const error = forbiddenError(user, attributes, decision.reason);
    const denial = denialOf(user, attributes, error.message);
    denials.push(denial);
    if (denials.length > maxDenials) denials.shift();
    options.onDenial?.(denial);
    throw error;
  }

  async function requestToken(req: IncomingMessage, namespace: string, name: string) {
    const raw = await readBody(req);
    const contentType = req.headers['content-type'];
    const body = isProtobuf(contentType)
      ? decodeTokenRequestProtobuf(raw)
      : decodeObjectBody(contentType, raw);
    const spec = tokenRequestSpec(name, body);
    const { token, issued } = issue(namespace, name, spec.expirationSeconds, spec.audiences);
    return { code: 201, body: tokenRequestResponse(namespace, name, spec, token, issued) };
  }

  async function review(req: IncomingMessage, user: UserInfo) {
    if (req.method !== 'POST')
      throw new ApiError(
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource: ${req.method} selfsubjectaccessreviews`,
      );
    const raw = await readBody(req);
    const contentType = req.headers['content-type'];
    const body = isProtobuf(contentType) ? decodeReviewProtobuf(raw) : decodeObjectBody(contentType, raw);
    const decision = authorize(rbac.current(), user, reviewAttributes(body));
    return {
      code: 201,
      body: reviewResponse(body, decision.allowed, decision.allowed ? '' : decision.reason),
    };
  }

  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    target: Route,
    user: UserInfo,
  ): Promise<{ code: number; body: unknown } | undefined> {
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
        if (
          target.group === 'authorization.k8s.io' &&
          target.version === 'v1' &&
          target.resource === 'selfsubjectaccessreviews' &&
          target.name === undefined
        )
          return review(req, user);
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
        if (type === serviceAccounts && target.subresource === 'token' && target.name !== undefined) {
          if (req.method !== 'POST')
            throw new ApiError(
              'MethodNotAllowed',
              `the server does not allow this method on the requested resource: ${req.method} serviceaccounts/token`,
            );
          return requestToken(req, target.namespace ?? '', target.name);
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
  const url = `${options.tls ? 'https' : 'http'}://${serverAddress}`;

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
    denials,
    issueToken(namespace, serviceAccount, seconds = 3600) {
      if (!Number.isInteger(seconds) || seconds <= 0)
        throw new Error(`issueToken seconds must be a positive integer, got ${seconds}`);
      return issue(namespace, serviceAccount, seconds).token;
    },
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
  const text = encodeJson(body);
  res
    .writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
    .end(text);
}

function bearerTokenOf(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
}
