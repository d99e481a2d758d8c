// The lab drives its API server with the real kubectl, as a user would.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify as toYaml } from 'yaml';

const execFileAsync = promisify(execFile);

export interface Kubectl {
  (...args: string[]): Promise<string>;
  apply(objects: readonly unknown[]): Promise<string>;
  /** POST of one object to a raw API path (a subresource kubectl has no verb for, such as pods/binding). */
  createRaw(path: string, object: unknown): Promise<string>;
}

/** `binary`: the kubectl matching the server (the real control plane's own build for v1.36). */
export function kubectlFor(kubeconfig: string, cacheDir: string, binary = 'kubectl'): Kubectl {
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(cacheDir, 'kubectl-cache') };
  const run = async (args: string[], input?: string): Promise<string> => {
    const child = execFileAsync(binary, args, { env, maxBuffer: 64 * 1024 * 1024 });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    try {
      return (await child).stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(`kubectl ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
    }
  };
  const kubectl = ((...args: string[]) => run(args)) as Kubectl;
  // A YAML stream rather than a `kind: List`: kubectl validates a List against OpenAPI v2, which the
  // lab API server does not serve.
  kubectl.createRaw = (path, object) => run(['create', '--raw', path, '-f', '-'], JSON.stringify(object));
  kubectl.apply = (objects) => run(['apply', '-f', '-'], objects.map((o) => toYaml(o)).join('---\n'));
  return kubectl;
}
