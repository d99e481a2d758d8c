// Starting the lab's processes and waiting for them: a free loopback port to give one, and a poll that
// gives up at once, naming the process and showing the end of its log, when one it depends on exits.
import { readFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import type { LabProcess } from './lab-state.ts';
import { isAlive } from './processes.ts';

/** Names the first of `processes` that has exited, with the end of its log. */
export async function firstExited(
  processes: readonly LabProcess[],
  logDir: string,
): Promise<string | undefined> {
  const gone = processes.find((p) => !isAlive(p.pid));
  if (!gone) return undefined;
  const log = join(logDir, `${gone.name}.log`);
  const tail = (await readFile(log, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-8).join('\n');
  return `${gone.name} (pid ${gone.pid}) exited; the end of ${log}:\n${tail}`;
}

/** Polls `probe`; gives up at once, naming it, when one of the lab's processes has exited. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  watch?: { processes: readonly LabProcess[]; logDir: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const exited = watch && (await firstExited(watch.processes, watch.logDir));
    if (exited) throw new Error(`gave up waiting for ${what}: ${exited}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? ` (${lastError})` : ''}`,
  );
}

/**
 * A fixed port rather than 0 on the command line, so that restarting the API server brings it back
 * where the kubeconfig and the relays expect it.
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
