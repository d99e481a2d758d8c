// The one place the lab runs iproute2 and commands inside namespaces, so every failure names the
// exact command that failed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export async function run(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${command} ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

export function ip(...args: string[]): Promise<string> {
  return run('ip', args);
}

export function inNetns(netns: string, command: string, ...args: string[]): Promise<string> {
  return run('ip', ['netns', 'exec', netns, command, ...args]);
}

export async function listNetns(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
}
