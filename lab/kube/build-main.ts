// `npm run kube:build`: builds (or finds already built) the real control plane for `lab up --kube real`
// and the tests that run on it, and helm for the chart tests, and prints where the programs are.
import { ensureHelm, ensureKubeBinaries, KubeBuildError } from './build.ts';

try {
  const log = (line: string) => process.stdout.write(`kube:build: ${line}\n`);
  const binaries = { ...(await ensureKubeBinaries({ log })), helm: await ensureHelm({ log }) };
  for (const [name, path] of Object.entries(binaries)) process.stdout.write(`${name.padEnd(24)}${path}\n`);
} catch (error) {
  process.stderr.write(`kube:build: ${(error as Error).message}\n`);
  process.exitCode = error instanceof KubeBuildError ? 1 : 2;
}
