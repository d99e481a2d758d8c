// A thin Kubernetes API client: JSON requests and watch streams over one keep-alive connection pool,
// on Node's own http/https. The speaker runs on every node and needs a dozen calls; a generated
// client for every API group, its model classes and its own HTTP stack cost it more memory than
// everything else it loads (BENCHMARKS.md). Failures carry the HTTP status as `code` and the raw
// body as `body`, which is what api-errors.ts reads.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { ApiConfig } from './api-config.ts';

export type QueryValue = string | number | boolean | undefined;

export interface ApiRequest {
  readonly query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** The body's media type: JSON unless a patch says which kind it is. */
  readonly contentType?: string;
}

/** A non-2xx answer; `body` is the server's text, usually a Status object. */
export class ApiError extends Error {
  readonly code: number;
  readonly body: string;

  constructor(code: number, body: string, what: string) {
    super(`${what}: HTTP ${code}`);
    this.name = 'ApiError';
    this.code = code;
    this.body = body;
  }
}

export const mergePatch = 'application/merge-patch+json';
export const jsonPatch = 'application/json-patch+json';

/** Requests without an answer this long fail, so a dead connection cannot hold a write forever. */
const requestTimeoutMs = 30_000;

export class ApiConnection {
  readonly #config: ApiConfig;
  readonly #agent: http.Agent;
  readonly #transport: typeof http | typeof https;

  constructor(config: ApiConfig) {
    this.#config = config;
    const secure = config.server.startsWith('https:');
    this.#transport = secure ? https : http;
    this.#agent = secure
      ? new https.Agent({
          keepAlive: true,
          ca: config.ca,
          cert: config.cert,
          key: config.key,
          rejectUnauthorized: !config.insecureSkipTlsVerify,
        })
      : new http.Agent({ keepAlive: true });
  }

  /** One JSON request; resolves with the parsed answer (undefined when empty). */
  async request<T>(method: string, path: string, options: ApiRequest = {}): Promise<T> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const contentType = payload === undefined ? undefined : (options.contentType ?? 'application/json');
    const response = await this.#send(method, path, options.query, { payload, contentType });
    const text = await readAll(response);
    if (response.statusCode! >= 300) throw new ApiError(response.statusCode!, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * A GET that stays open (a watch): resolves with the response once it answered 200, and rejects
   * with an ApiError otherwise. Aborting the signal ends the stream.
   */
  async stream(
    path: string,
    query: Record<string, QueryValue>,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const response = await this.#send('GET', path, query, { signal });
    // Whoever reads the stream sees its failure; one that comes after they stopped reading (the
    // abort that ends a watch) must not become an unhandled 'error' event.
    response.on('error', () => undefined);
    if (response.statusCode === 200) return response;
    throw new ApiError(response.statusCode!, await readAll(response), `GET ${path}`);
  }

  /** Closes idle pooled connections (a stopping component). */
  close(): void {
    this.#agent.destroy();
  }

  #send(
    method: string,
    path: string,
    query: Record<string, QueryValue> | undefined,
    extra: { payload?: string; contentType?: string; signal?: AbortSignal },
  ): Promise<IncomingMessage> {
    const url = new URL(this.#config.server + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'baremetal-lb' };
    const token = this.#config.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (extra.contentType) headers['content-type'] = extra.contentType;
    return new Promise((resolve, reject) => {
      const request = this.#transport.request(
        url,
        { method, headers, agent: this.#agent, signal: extra.signal },
        resolve,
      );
      // A watch waits for events as long as the server keeps it open; only plain requests time out.
      if (!extra.signal) {
        request.setTimeout(requestTimeoutMs, () =>
          request.destroy(new Error(`${method} ${path}: no answer in ${requestTimeoutMs / 1000} s`)),
        );
      }
      request.on('error', reject);
      request.end(extra.payload);
    });
  }
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}
