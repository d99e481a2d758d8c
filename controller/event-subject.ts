// The object an Event is about, from any Kubernetes object, as the EventRecorder wants it.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { EventSubject } from '../common/kube/event-aggregation.ts';

export function subjectOf(object: KubernetesObject, kind: string, apiVersion: string): EventSubject {
  const metadata = object.metadata ?? {};
  return {
    kind,
    apiVersion,
    name: metadata.name ?? '',
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    ...(metadata.uid ? { uid: metadata.uid } : {}),
  };
}
