// Durability for --data-dir: each committed change is appended to a JSON-lines log and fsynced
// before the client hears about it; on start the snapshot plus the log rebuild the store. The log is
// folded into a fresh snapshot (temp file + rename, so a crash leaves the old one) once it grows.

import fs from 'node:fs';
import path from 'node:path';
import { encodeJson } from '../../common/exact-json.ts';
import { parseJson } from './json-codec.ts';
import type { KObject } from './object-model.ts';
import type { LogEntry } from './object-store.ts';

export interface StoredState {
  rv: number;
  objects: { key: string; object: KObject }[];
}

const snapshotFile = 'snapshot.json';
const logFile = 'changes.jsonl';

export class PersistenceLog {
  private fd: number;
  private entriesSinceSnapshot = 0;
  private readonly dir: string;
  private readonly compactAfter: number;

  private constructor(dir: string, compactAfter: number) {
    this.dir = dir;
    this.compactAfter = compactAfter;
    this.fd = fs.openSync(path.join(dir, logFile), 'a');
  }

  /** Reads what a previous run left and opens the log for appending. */
  static open(dir: string, compactAfter = 10_000): { log: PersistenceLog; state: StoredState } {
    fs.mkdirSync(dir, { recursive: true });
    const state = readState(dir);
    const log = new PersistenceLog(dir, compactAfter);
    // Start from a clean snapshot: a torn tail line must not end up in the middle of the new log.
    log.compact(state);
    return { log, state };
  }

  append(entry: LogEntry): void {
    fs.writeSync(this.fd, `${encodeJson(entry)}\n`);
    fs.fdatasyncSync(this.fd);
    this.entriesSinceSnapshot++;
  }

  shouldCompact(): boolean {
    return this.entriesSinceSnapshot >= this.compactAfter;
  }

  /** Writes `state` as the new snapshot, then empties the log: entries it holds are now in the snapshot. */
  compact(state: StoredState): void {
    const target = path.join(this.dir, snapshotFile);
    const temp = `${target}.tmp`;
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, encodeJson(state));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
    syncDirectory(this.dir);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(path.join(this.dir, logFile), 'w');
    fs.fsyncSync(this.fd);
    this.entriesSinceSnapshot = 0;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function readState(dir: string): StoredState {
  const objects = new Map<string, { key: string; object: KObject }>();
  let rv = 0;
  const snapshotPath = path.join(dir, snapshotFile);
  if (fs.existsSync(snapshotPath)) {
    const snapshot = parseJson(fs.readFileSync(snapshotPath, 'utf8')) as StoredState;
    rv = snapshot.rv;
    for (const entry of snapshot.objects) objects.set(identity(entry.key, entry.object), entry);
  }
  const logPath = path.join(dir, logFile);
  const lines = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8').split('\n') : [];
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    let entry: LogEntry;
    try {
      entry = parseJson(line) as LogEntry;
    } catch (error) {
      // Only the last line can be torn by a crash mid-write, and it was never acknowledged.
      if (index >= lines.length - 2) break;
      throw new Error(`${logPath} line ${index + 1} is corrupt: ${(error as Error).message}`);
    }
    if (entry.rv <= rv) continue; // already folded into the snapshot
    rv = entry.rv;
    const id = identity(entry.key, entry.object);
    if (entry.op === 'put') objects.set(id, { key: entry.key, object: entry.object });
    else objects.delete(id);
  }
  return { rv, objects: [...objects.values()] };
}

const identity = (key: string, object: KObject): string =>
  `${key}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
