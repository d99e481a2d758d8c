// Whether each node's speaker is up, as seen from outside the speakers' failure detector: its
// presence Lease (renewed every few seconds, deleted on a graceful stop). Only when no speaker in
// the cluster keeps one (speakers of an older release) does the Pod's Ready condition decide.
import type { V1Lease, V1Pod } from '@kubernetes/client-node';
import { presenceByNode } from '../common/kube/speaker-presence.ts';
import { isSpeakerPod } from '../speaker/cluster-view.ts';
import type { SpeakerLiveness } from './announcement-reasons.ts';

function podLiveness(pod: V1Pod): SpeakerLiveness {
  if (pod.metadata?.deletionTimestamp)
    return { alive: false, detail: `its Pod ${pod.metadata.name} is being deleted` };
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return ready === 'True'
    ? { alive: true, detail: `its Pod ${pod.metadata?.name} is Ready` }
    : { alive: false, detail: `its Pod ${pod.metadata?.name} is not Ready (Ready=${ready ?? 'unset'})` };
}

export function speakerLiveness(
  leases: readonly V1Lease[],
  pods: readonly V1Pod[],
  nowMs: number,
): Map<string, SpeakerLiveness> {
  const liveness = new Map<string, SpeakerLiveness>();
  const presence = presenceByNode(leases, nowMs);
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || !isSpeakerPod(pod)) continue;
    const stopped = {
      alive: false,
      detail: 'no presence Lease: its speaker stopped, or has not started yet',
    };
    liveness.set(node, presence.size > 0 ? stopped : podLiveness(pod));
  }
  for (const [node, lease] of presence) {
    const seconds = (lease.sinceRenewMs / 1000).toFixed(1);
    liveness.set(
      node,
      lease.alive
        ? { alive: true, detail: `its presence Lease was renewed ${seconds} s ago` }
        : {
            alive: false,
            detail: `its presence Lease has not been renewed for ${seconds} s (killed, hung or cut off)`,
          },
    );
  }
  return liveness;
}
