// Which speakers are up, as anyone with read access to the cluster can tell: each speaker renews a
// coordination.k8s.io Lease named after its node, as the kubelet does for its node. The speakers
// themselves decide liveness with their failure detector (sub-second); these Leases are for the
// people and tools outside it (`baremetal-lb explain`, `kubectl get leases`), where a few seconds'
// delay is fine. Pure: building the Lease and reading liveness from a list of them.
import type { V1Lease } from '@kubernetes/client-node';
import { MicroTime } from './micro-time.ts';

export const presenceLeasePrefix = 'speaker-';
export const presenceLabels = { app: 'baremetal-lb', component: 'speaker-presence' } as const;

export function presenceLeaseName(node: string): string {
  return `${presenceLeasePrefix}${node}`;
}

export function presenceLease(node: string, namespace: string, now: Date, durationSeconds: number): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: presenceLeaseName(node), namespace, labels: { ...presenceLabels } },
    spec: {
      holderIdentity: node,
      leaseDurationSeconds: durationSeconds,
      renewTime: new MicroTime(now.getTime()),
    },
  };
}

export interface SpeakerPresence {
  readonly alive: boolean;
  /** Milliseconds since the last renewal (negative if the holder's clock runs ahead). */
  readonly sinceRenewMs: number;
}

/**
 * node → presence, from the speakers' Leases. A released Lease (no holder: its speaker stopped
 * gracefully) counts as none, as does a node whose speaker never ran.
 */
export function presenceByNode(leases: readonly V1Lease[], nowMs: number): Map<string, SpeakerPresence> {
  const byNode = new Map<string, SpeakerPresence>();
  for (const lease of leases) {
    const node = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : Number.NaN;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (!node || lease.metadata?.name !== presenceLeaseName(node) || Number.isNaN(renewed)) continue;
    const sinceRenewMs = nowMs - renewed;
    byNode.set(node, { alive: sinceRenewMs <= durationMs, sinceRenewMs });
  }
  return byNode;
}
