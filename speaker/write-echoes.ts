// Which watch events for an object are our own writes coming back. Each write's answer carries the
// resourceVersion the watch will later deliver: the newest one we wrote is an echo of what we
// already hold, an older one is stale (a later write of ours overtook it), and any other version is
// someone else's change. Only equality of versions is used, as the API asks of clients. Pure.

export type EchoVerdict = 'latest' | 'stale' | 'unknown';

export class WriteEchoes {
  /** name → resourceVersions our writes produced, oldest first, not yet seen on the watch. */
  readonly #pending = new Map<string, string[]>();

  expect(name: string, resourceVersion: string | undefined): void {
    if (!resourceVersion) return;
    const versions = this.#pending.get(name) ?? [];
    versions.push(resourceVersion);
    this.#pending.set(name, versions);
  }

  /** Judges a watched version, and forgets every expectation up to it. */
  take(name: string, resourceVersion: string | undefined): EchoVerdict {
    const versions = this.#pending.get(name);
    const index = resourceVersion && versions ? versions.indexOf(resourceVersion) : -1;
    if (index < 0) {
      this.#pending.delete(name); // someone else wrote it: our older answers are history
      return 'unknown';
    }
    const latest = index === versions!.length - 1;
    if (latest) this.#pending.delete(name);
    else versions!.splice(0, index + 1);
    return latest ? 'latest' : 'stale';
  }

  forget(name: string): void {
    this.#pending.delete(name);
  }
}
