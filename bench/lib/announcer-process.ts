// Drives announcer-fixture.ts in a namespace: one command line in, one answer line out.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const fixture = new URL('./announcer-fixture.ts', import.meta.url).pathname;

export interface AnnouncerProcess {
  /** Sends one command and resolves with the fixture's answer line. */
  command(line: string): Promise<string>;
  /** Closes stdin (the fixture then closes its Announcer), waits for the exit and kills by PID if it
   * doesn't come within 5 s. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startAnnouncer(netns: string, ledIPs: readonly string[]): Promise<AnnouncerProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(
    'ip',
    ['netns', 'exec', netns, process.execPath, fixture, ...ledIPs],
    { stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const next = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: '' }))]);
    if (line.done) throw new Error(`announcer fixture in ${netns} ended: ${stderr.trim()}`);
    return line.value;
  };
  const stop = async (): Promise<number | null> => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const ready = await next().catch(async (error) => {
    await stop();
    throw error;
  });
  if (!ready.startsWith('ready')) {
    await stop();
    throw new Error(`announcer fixture in ${netns} said "${ready}" instead of ready: ${stderr.trim()}`);
  }
  return {
    async command(line) {
      child.stdin.write(`${line}\n`);
      return next();
    },
    stop,
  };
}
