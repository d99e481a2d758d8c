// Loading a pool config without holding the event loop. Parsing and checking 40k pools takes
// seconds; on the main thread that stalls informers, health probes and the speaker's heartbeat
// to its ARP worker. A worker thread started per load does it and is then ended, so the memory
// the load needed is given back; the inputs and the config cross in pieces (chunked-messages.ts).

import { Worker } from 'node:worker_threads';
import { workerEntry } from '../module-location.ts';
import { postInPieces, receivePieces } from './chunked-messages.ts';
import { type ConfigInputs, deepFreeze, type LoadResult } from './load-config.ts';
import type { LoadRequest, LoadSummary } from './load-worker.ts';
import type { L2Advertisement, Pool, PoolConfig } from './model.ts';
import type { ConfigProblem } from './problems.ts';

export interface LoadedConfig {
  readonly result: LoadResult;
  /** configFingerprint of the config when the result is ok. */
  readonly fingerprint: string;
}

/** How a config is loaded for a decision: loadOffThread, given to the webhook's admission check. */
export type ConfigLoader = (inputs: ConfigInputs) => Promise<LoadedConfig>;

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
