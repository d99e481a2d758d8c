// The worker load-off-thread.ts starts for one load: it reads the inputs, loads and checks the
// config, and sends it back in pieces with its fingerprint. Then its thread is ended, so whatever
// the load needed (a 40k-pool YAML tree) goes with it.

import { parentPort } from 'node:worker_threads';
import { postInPieces, receivePieces } from './chunked-messages.ts';
import type { ConfigMapInput } from './configmap-source.ts';
import type { ConfigObject } from './crd-source.ts';
import { configFingerprint } from './fingerprint.ts';
import { loadPoolConfig } from './load-config.ts';

export interface LoadRequest {
  readonly configMap?: ConfigMapInput;
}

export interface LoadSummary {
  readonly ok: boolean;
  /** Of the config when ok; empty otherwise. */
  readonly fingerprint: string;
}

const port = parentPort!;
const { lists, done } = await receivePieces<LoadRequest>(port);
const objects = (lists.objects ?? []) as ConfigObject[];
const result = loadPoolConfig({ ...done, objects });
if (result.ok) {
  const { pools, l2Advertisements, warnings } = result.config;
  await postInPieces(port, { pools, l2Advertisements, problems: warnings }, {
    ok: true,
    fingerprint: configFingerprint(result.config),
  } satisfies LoadSummary);
} else {
  await postInPieces(port, { problems: result.problems }, {
    ok: false,
    fingerprint: '',
  } satisfies LoadSummary);
}
