// metallb_speaker_announced{service,protocol,node,ip} kept to the led IPs: a series is set for each
// Service and IP this node announces, and removed once it no longer does.
import type { Gauge } from 'prom-client';
import type { AnnouncementPlan } from './announcement-plan.ts';

type Labels = { service: string; ip: string };

export class AnnouncedGauge {
  readonly #gauge: Gauge<'service' | 'protocol' | 'node' | 'ip'>;
  readonly #node: string;
  #shown = new Map<string, Labels>();

  constructor(gauge: Gauge<'service' | 'protocol' | 'node' | 'ip'>, node: string) {
    this.#gauge = gauge;
    this.#node = node;
  }

  update(plan: Pick<AnnouncementPlan, 'led'>): void {
    const wanted = new Map<string, Labels>();
    for (const [ip, entry] of plan.led) {
      for (const service of entry.services) wanted.set(`${service}|${ip}`, { service, ip });
    }
    for (const [key, labels] of this.#shown) {
      if (!wanted.has(key)) this.#gauge.remove({ ...labels, protocol: 'layer2', node: this.#node });
    }
    for (const labels of wanted.values())
      this.#gauge.set({ ...labels, protocol: 'layer2', node: this.#node }, 1);
    this.#shown = wanted;
  }
}
