// metallb_speaker_announced{service,protocol,node,ip} kept to the led IPs, per Service: a series is
// set for each IP of a Service this node announces, and removed once it no longer does.
import type { Gauge } from 'prom-client';
import { formatIP } from '../common/ip-address.ts';
import type { ServicePlan } from './announcement-plan.ts';

export class AnnouncedGauge {
  readonly #gauge: Gauge<'service' | 'protocol' | 'node' | 'ip'>;
  readonly #node: string;
  /** Service key → the IPs it has a series for. */
  readonly #shown = new Map<string, readonly string[]>();

  constructor(gauge: Gauge<'service' | 'protocol' | 'node' | 'ip'>, node: string) {
    this.#gauge = gauge;
    this.#node = node;
  }

  /** The Service's latest plan: series for its IPs when this node leads it, none otherwise. */
  update(plan: Pick<ServicePlan, 'key' | 'leader' | 'ips'>): void {
    const wanted = plan.leader === this.#node ? plan.ips.map(formatIP) : [];
    for (const ip of this.#shown.get(plan.key) ?? [])
      if (!wanted.includes(ip)) this.#series(plan.key, ip, false);
    for (const ip of wanted) this.#series(plan.key, ip, true);
    if (wanted.length > 0) this.#shown.set(plan.key, wanted);
    else this.#shown.delete(plan.key);
  }

  remove(key: string): void {
    this.update({ key, leader: undefined, ips: [] });
  }

  #series(service: string, ip: string, on: boolean): void {
    const labels = { service, ip, protocol: 'layer2', node: this.#node };
    if (on) this.#gauge.set(labels, 1);
    else this.#gauge.remove(labels);
  }
}
