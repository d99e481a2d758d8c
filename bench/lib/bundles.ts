// Benches measure what ships: the controller and speaker bundles (scripts/bundle.ts), built fresh,
// which bin/main.mjs runs for every process this bench starts once BAREMETAL_LB_BUNDLED is set.
import { buildBundles } from '../../scripts/bundle.ts';

export async function runFromBundles(): Promise<void> {
  await buildBundles();
  process.env.BAREMETAL_LB_BUNDLED = '1';
}
