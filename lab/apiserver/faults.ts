// Failures on demand for resilience tests: cut every watch, fail the next requests (all of them,
// or only those matching a method and path), or hold requests until released. The server consults
// this before handling anything.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusBody } from './status-errors.ts';

export interface FaultMatch {
  /** HTTP method, any case; omitted matches every method. */
  method?: string;
  /** The URL path without the query: a string must equal it, a RegExp must match it. */
  path?: RegExp | string;
}

export interface FaultControls {
  dropWatches(): void;
  /** Fails the next `count` requests (only those matching `match`, when given) with `code`. */
  failNext(count: number, code: 500 | 409, match?: FaultMatch): void;
  pause(): void;
  resume(): void;
}

export class Faults implements FaultControls {
  private failures: { remaining: number; code: 500 | 409; match: FaultMatch } = {
    remaining: 0,
    code: 500,
    match: {},
  };
  private held: (() => void)[] | undefined;
  readonly watches = new Set<ServerResponse>();

  dropWatches(): void {
    // A TCP reset where the socket is plain TCP; a TLS socket can only be destroyed.
    for (const watch of this.watches) {
      const socket = watch.socket;
      if (socket && 'encrypted' in socket) socket.destroy();
      else socket?.resetAndDestroy();
    }
    this.watches.clear();
  }

  failNext(count: number, code: 500 | 409, match: FaultMatch = {}): void {
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`failNext count must be a non-negative integer, got ${count}`);
    this.failures = { remaining: count, code, match };
  }

  /** The code to fail this request with, if a pending failure matches it. */
  private takeFailure(method: string, path: string): 500 | 409 | undefined {
    const { remaining, code, match } = this.failures;
    if (remaining === 0) return undefined;
    if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return undefined;
    // search, not test: a RegExp with the g flag would carry lastIndex from one request to the next.
    if (
      match.path !== undefined &&
      !(typeof match.path === 'string' ? match.path === path : path.search(match.path) >= 0)
    )
      return undefined;
    this.failures.remaining--;
    return code;
  }

  /**
   * Answers the request with a pending failure that matches it, as kube-apiserver words a 409 or 500;
   * false when none does and the request is to be served.
   */
  answerWithFailure(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const failure = this.takeFailure(req.method ?? 'GET', path);
    if (failure === undefined) return false;
    req.resume();
    const reason = failure === 500 ? 'InternalError' : 'Conflict';
    const text = JSON.stringify(statusBody(failure, reason, `injected fault: ${reason}`));
    res.writeHead(failure, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  }

  pause(): void {
    this.held ??= [];
  }

  resume(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const release of held) release();
  }

  /** Resolves at once unless paused, else on resume. */
  gate(): Promise<void> | undefined {
    const held = this.held;
    if (!held) return undefined;
    return new Promise((resolve) => held.push(resolve));
  }
}
