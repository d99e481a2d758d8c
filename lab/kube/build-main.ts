// `npm run kube:build`: builds (or finds already built) the real control plane for `lab up --kube real`
// and the tests that run on it, helm for the chart tests, and the real MetalLB and kube-vip for
// `lab up --lb` and the peers benchmark, and prints where the programs are.
import { ensureHelm, ensureKubeBinaries, ensurePeerBinaries, KubeBuildError } from './build.ts';

try {
  const log = (line: string) => process.stdout.write(`kube:build: ${line}\n`);
  const binaries = {
    ...(await ensureKubeBinaries({ log })),
    helm: await ensureHelm({ log }),
    ...(await ensurePeerBinaries({ log })),
  };
  for (const [name, path] of Object.entries(binaries)) process.stdout.write(`${name.padEnd(24)}${path}\n`);
} catch (error) {
  process.stderr.write(`kube:build: ${(error as Error).message}\n`);
  process.exitCode = error instanceof KubeBuildError ? 1 : 2;
}
