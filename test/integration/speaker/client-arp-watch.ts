// Runs arp-watch.ts in the lab's client namespace: who answers for `target`, every 10 ms.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ArpWatchPlan, ArpWatchResult } from './arp-watch.ts';
import type { SpeakerLab } from './speaker-lab.ts';

export function watchArp(lab: SpeakerLab, target: string, durationMs: number): Promise<ArpWatchResult> {
  const client = lab.topology.client;
  const plan: ArpWatchPlan = {
    ifname: 'eth0',
    mac: client.mac,
    ipv4: client.ipv4,
    target,
    intervalMs: 10,
    durationMs,
  };
  const script = path.join(import.meta.dirname, 'arp-watch.ts');
  const child = spawn('ip', ['netns', 'exec', client.netns, process.execPath, script, JSON.stringify(plan)]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`arp-watch exited ${code}`)),
    );
  });
}

/** The MACs in turn, each run of equal answers once: "a → a+b → b". */
export function answerRuns(result: ArpWatchResult): string {
  return result.timeline.filter((mac, i) => i === 0 || result.timeline[i - 1] !== mac).join(' → ');
}
