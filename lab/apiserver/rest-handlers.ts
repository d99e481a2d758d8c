// The REST verbs on one resource URL: decodes the request, calls the object lifecycle, encodes the
// answer (object, list or Table). Watches are handed to the watch stream.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyPatch } from './apply-patch.ts';
import { tableOf, wantsTable } from './content-negotiation.ts';
import { parseJson } from './json-codec.ts';
import { pageOfList } from './list-paging.ts';
import type { DeleteOptions, ObjectLifecycle, WriteOptions } from './object-lifecycle.ts';
import { isRecord, type KObject } from './object-model.ts';
import { decodeObjectBody, patchTypeOf, readBody } from './request-body.ts';
import { apiVersionOf, type ResourceType } from './resource-registry.ts';
import { selectionFromQuery } from './selection.ts';
import { ApiError, badRequest } from './status-errors.ts';
import { serveWatch, type WatchContext } from './watch-stream.ts';

export interface ResourceRequest {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  legacyWatch: boolean;
  query: URLSearchParams;
}

export interface Reply {
  code: number;
  body: unknown;
}

export interface HandlerContext extends WatchContext {
  lifecycle: ObjectLifecycle;
}

const methodNotAllowed = (method: string, what: string): ApiError =>
  new ApiError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource: ${method} ${what}`,
  );

/** Answers the request, or returns undefined when it became a watch stream that owns `res`. */
export async function handleResource(
  context: HandlerContext,
  request: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Reply | undefined> {
  const { type, namespace, subresource, query } = request;
  if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource)) {
    throw new ApiError(
      'NotFound',
      `the server could not find the requested resource (${type.resource}/${subresource})`,
    );
  }
  if (type.namespaced && namespace === undefined && req.method !== 'GET') {
    throw methodNotAllowed(req.method ?? '', `${type.resource} without a namespace`);
  }
  const fieldValidation = query.get('fieldValidation') ?? 'Warn';
  const warnings: string[] = [];
  const write: WriteOptions = {
    dryRun: dryRunOf(query),
    strictFields: fieldValidation === 'Strict',
    ...(fieldValidation === 'Warn' ? { warnings } : {}),
  };
  try {
    return await serveResource(context, request, req, res, write);
  } finally {
    // Sent with whatever reply follows, an error too; kubectl prints each as "Warning: …".
    if (warnings.length > 0 && !res.headersSent) res.setHeader('Warning', warnings.map(warningHeader));
  }
}

/** An RFC 7234 warning as kube-apiserver writes it: code 299, no agent, the text quoted. */
function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

async function serveResource(
  context: HandlerContext,
  request: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
  write: WriteOptions,
): Promise<Reply | undefined> {
  const { type, namespace, name, subresource, query } = request;
  const { lifecycle } = context;
  const table = wantsTable(req.headers.accept);
  const encode = (object: KObject): unknown =>
    table ? tableOf(type, [object], query, object.metadata.resourceVersion ?? '', context.now()) : object;

  switch (req.method) {
    case 'GET': {
      const watch = request.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
      if (name !== undefined && !watch)
        return { code: 200, body: encode(lifecycle.get(type, namespace, name)) };
      let selection = selectionFromQuery(type, query);
      if (name !== undefined) {
        const bySelector = selection;
        selection = (o) => o.metadata.name === name && bySelector(o);
      }
      if (watch) {
        serveWatch(context, { type, namespace, selection, query, accept: req.headers.accept }, res);
        return undefined;
      }
      const selected = Boolean(query.get('labelSelector') || query.get('fieldSelector'));
      const page = pageOfList(
        lifecycle.list(type, namespace).filter(selection),
        query,
        lifecycle.resourceVersion,
        selected,
      );
      if (table) {
        const rows = tableOf(type, page.items, query, page.metadata.resourceVersion, context.now());
        return { code: 200, body: { ...(rows as object), metadata: page.metadata } };
      }
      return {
        code: 200,
        body: {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: page.metadata,
          items: page.items,
        },
      };
    }
    case 'POST': {
      if (name !== undefined) throw methodNotAllowed('POST', `${type.resource}/${name}`);
      const body = decodeObjectBody(req.headers['content-type'], await readBody(req));
      return { code: 201, body: encode(lifecycle.create(type, namespace, body, write)) };
    }
    case 'PUT': {
      if (name === undefined) throw methodNotAllowed('PUT', type.resource);
      const body = decodeObjectBody(req.headers['content-type'], await readBody(req));
      return { code: 200, body: encode(lifecycle.update(type, namespace, name, body, subresource, write)) };
    }
    case 'PATCH': {
      if (name === undefined) throw methodNotAllowed('PATCH', type.resource);
      const patchType = patchTypeOf(req.headers['content-type']);
      const raw = await readBody(req);
      let patch: unknown;
      try {
        patch = parseJson(raw.toString('utf8'));
      } catch (error) {
        throw badRequest(`the patch is not valid JSON: ${(error as Error).message}`);
      }
      const before = lifecycle.get(type, namespace, name);
      const result = applyPatch(type, patchType, before, patch);
      return {
        code: 200,
        body: encode(lifecycle.patched(type, namespace, name, result, before, subresource, write)),
      };
    }
    case 'DELETE': {
      const raw = await readBody(req);
      const options = raw.length > 0 ? decodeObjectBody(req.headers['content-type'], raw) : {};
      if (!isRecord(options)) throw badRequest('DeleteOptions must be a JSON object');
      if (name === undefined) {
        const items = lifecycle.deleteCollection(type, namespace, selectionFromQuery(type, query), write);
        const rv = lifecycle.resourceVersion;
        return {
          code: 200,
          body: {
            kind: `${type.kind}List`,
            apiVersion: apiVersionOf(type),
            metadata: { resourceVersion: rv },
            items,
          },
        };
      }
      const deleteWrite = {
        ...write,
        dryRun: write.dryRun || (Array.isArray(options.dryRun) && options.dryRun.includes('All')),
      };
      return {
        code: 200,
        body: lifecycle.delete(type, namespace, name, options as DeleteOptions, deleteWrite),
      };
    }
    default:
      throw methodNotAllowed(req.method ?? '', type.resource);
  }
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const value of values)
    if (value !== 'All')
      throw badRequest(`unsupported dryRun value ${JSON.stringify(value)}: only "All" is supported`);
  return values.length > 0;
}
