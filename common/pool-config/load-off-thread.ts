// Loading a pool config without holding the event loop. Parsing and checking 40k pools takes
// seconds; on the main thread that would stall informers, health probes and the speaker's failure
// detector and ARP answers. A worker thread started per load does it and is then ended, so the memory
// the load needed is given back; the inputs and the config cross in pieces (chunked-messages.ts).
//
// Small configs, the usual handful of pools, load on the calling thread instead (loadConfig): in a
// few ms, where a worker takes tens of ms to start and leaves about 14 MB behind in the process once
// ended (its V8 isolate's and Node environment's freed memory, and the binary's pages it touched).

import { Worker } from 'node:worker_threads';
import { workerEntry } from '../module-location.ts';
import { postInPieces, receivePieces } from './chunked-messages.ts';
import { configFingerprint } from './fingerprint.ts';
import { type ConfigInputs, deepFreeze, type LoadResult, loadPoolConfig } from './load-config.ts';
import type { LoadRequest, LoadSummary } from './load-worker.ts';
import type { L2Advertisement, Pool, PoolConfig } from './model.ts';
import type { ConfigProblem } from './problems.ts';

export interface LoadedConfig {
  readonly result: LoadResult;
  /** configFingerprint of the config when the result is ok. */
  readonly fingerprint: string;
}

/** How a config is loaded for a decision: loadConfig, given to the webhook's admission check. */
export type ConfigLoader = (inputs: ConfigInputs) => Promise<LoadedConfig>;

/**
 * Inputs up to these sizes load on the calling thread. Measured on the 2-core test machine (best of
 * five): 200 IPAddressPools 2 ms, 1,000 17 ms; a ConfigMap of 10 pools (600 bytes) 4 ms, of 100 pools
 * (6 KB) 18 ms. So at most some 10 ms of loop time, well inside what the big-config bench allows.
 */
export const inThreadLimits = { objects: 200, configMapBytes: 4096 } as const;

export function fitsInThread(inputs: ConfigInputs): boolean {
  return (
    (inputs.objects?.length ?? 0) <= inThreadLimits.objects &&
    Buffer.byteLength(inputs.configMap?.config ?? '') <= inThreadLimits.configMapBytes
  );
}

export const loadConfig: ConfigLoader = async (inputs) =>
  fitsInThread(inputs) ? loadInThread(inputs) : loadOffThread(inputs);

function loadInThread(inputs: ConfigInputs): LoadedConfig {
  const result = deepFreeze(loadPoolConfig(inputs));
  return { result, fingerprint: result.ok ? configFingerprint(result.config) : '' };
}

export const loadOffThread: ConfigLoader = async (inputs) => {
  const worker = new Worker(workerEntry('common/pool-config/load-worker.ts'));
  try {
    const failed = new Promise<never>((_, reject) => {
      worker.once('error', (error) => reject(new Error(`config load worker failed: ${error.message}`)));
      worker.once('exit', (code) => reject(new Error(`config load worker exited with code ${code}`)));
    });
    failed.catch(() => {}); // once the load is done, ending the worker rejects it with no one waiting
    const received = receivePieces<LoadSummary>(worker, deepFreeze);
    const request: LoadRequest = inputs.configMap ? { configMap: inputs.configMap } : {};
    await Promise.race([postInPieces(worker, { objects: inputs.objects ?? [] }, request), failed]);
    const { lists, done } = await Promise.race([received, failed]);
    return { result: assemble(lists, done.ok), fingerprint: done.fingerprint };
  } finally {
    void worker.terminate();
  }
};

function assemble(lists: Record<string, unknown[]>, ok: boolean): LoadResult {
  const problems = Object.freeze((lists.problems ?? []) as ConfigProblem[]);
  if (!ok) return { ok: false, problems };
  const config: PoolConfig = Object.freeze({
    pools: Object.freeze((lists.pools ?? []) as Pool[]),
    l2Advertisements: Object.freeze((lists.l2Advertisements ?? []) as L2Advertisement[]),
    warnings: problems,
  });
  return { ok: true, config, warnings: problems };
}
