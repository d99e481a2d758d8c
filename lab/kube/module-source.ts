// Where the Go module cache holds a module's source, for files a peer ships beside its code (MetalLB's
// install manifest, its CRDs and RBAC). Read only: nothing is built from it but through `go build`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findGo, wrapperModules } from './binaries.ts';

const execFileAsync = promisify(execFile);

/** `go mod download -json MODULE` in the wrapper module that requires it: the version go.mod pins. */
export async function moduleSourceDir(wrapper: string, module: string): Promise<string> {
  const go = findGo();
  if (!go)
    throw new Error(`reading ${module}'s files needs the Go toolchain (not on PATH, not at /usr/local/go)`);
  const { stdout } = await execFileAsync(go, ['mod', 'download', '-json', module], {
    cwd: join(wrapperModules, wrapper),
    env: { ...process.env, GOFLAGS: '-mod=readonly', GOWORK: 'off' },
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${module} in kube/modules/${wrapper} named no source folder`);
  return dir;
}
