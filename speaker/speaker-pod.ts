// This speaker's own Pod, found among the speaker Pods of its namespace by the node it runs on: it
// owns the ServiceL2Statuses the speaker writes, so they go with it when the Pod is deleted.
import type { V1Pod } from '@kubernetes/client-node';
import { isSpeakerPod } from './cluster-view.ts';
import type { OwnerReference } from './l2-status.ts';

export function speakerPodOwner(pods: readonly V1Pod[], node: string): OwnerReference | undefined {
  const pod = pods.find(
    (p) => isSpeakerPod(p) && p.spec?.nodeName === node && !p.metadata?.deletionTimestamp && p.metadata?.uid,
  );
  if (!pod) return undefined;
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid! };
}
