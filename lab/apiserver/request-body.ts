// Reads and decodes request bodies: size cap, media type, JSON or YAML. Everything that is not a
// well-formed document of a supported type is refused before any handler sees it.

import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { parseJson } from './json-codec.ts';
import { decodeProtobufObject } from './protobuf-objects.ts';
import { protobufMediaType } from './protobuf-wire.ts';
import { ApiError, badRequest } from './status-errors.ts';

export const maxBodyBytes = 3 * 1024 * 1024;

export type PatchType = 'strategic' | 'merge' | 'json';

const patchTypes: Record<string, PatchType> = {
  'application/strategic-merge-patch+json': 'strategic',
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
};

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) {
      req.resume(); // drain so the connection can answer
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (size > maxBodyBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

const tooLarge = (): ApiError =>
  new ApiError('RequestEntityTooLarge', `the request body is larger than the limit of ${maxBodyBytes} bytes`);

function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

const unsupported = (type: string, supported: string[]): ApiError =>
  new ApiError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`,
    {
      kind: type,
    },
  );

/** Decodes an object body (POST, PUT, DELETE options). */
export function decodeObjectBody(contentType: string | undefined, body: Buffer): unknown {
  const type = mediaType(contentType);
  if (type === 'application/json' || type === '') return parseJsonBody(body);
  if (type === 'application/yaml' || type === 'application/x-yaml') return parseYamlBody(body);
  if (type === protobufMediaType) return decodeProtobufObject(body);
  throw unsupported(type, ['application/json', 'application/yaml', protobufMediaType]);
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = mediaType(contentType);
  const patchType = patchTypes[type];
  if (!patchType) throw unsupported(type, Object.keys(patchTypes));
  return patchType;
}

function parseJsonBody(body: Buffer): unknown {
  try {
    return parseJson(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid YAML: ${(error as Error).message}`);
  }
}
