// Which Service events are news to the controller. Each Service's last-seen fingerprint (what
// reconciling reads, echo-filter.ts) and the fingerprints our own writes will produce: an event that
// reads the same as before, or is the echo of a write we made, needs no reconcile. Pure.
import type { V1Service } from '@kubernetes/client-node';
import { serviceKey } from '../common/service-fields.ts';
import { controllerFingerprint } from './echo-filter.ts';

export class ServiceEchoes {
  private readonly lastSeen = new Map<string, string>();
  private readonly ownWrites = new Map<string, Set<string>>();

  /** Our writes are about to make the Service read like this: that event will be an echo. */
  expect(service: V1Service): void {
    const key = serviceKey(service);
    this.ownWrites.set(key, (this.ownWrites.get(key) ?? new Set()).add(controllerFingerprint(service)));
  }

  /** Whether this version of the Service is worth a reconcile; records it as seen. */
  isNews(service: V1Service): boolean {
    const key = serviceKey(service);
    const seen = controllerFingerprint(service);
    const echo = this.ownWrites.get(key)?.delete(seen) ?? false; // each expected echo is taken once
    const same = this.lastSeen.get(key) === seen;
    this.lastSeen.set(key, seen);
    if (echo || same) return false;
    this.ownWrites.delete(key); // someone else changed it: older expectations no longer apply
    return true;
  }

  forget(key: string): void {
    this.lastSeen.delete(key);
    this.ownWrites.delete(key);
  }
}
