// The admission decision: would the pool config, with this object created or changed, be
// refused? Then kubectl is told why at apply time, in check-config's words, instead of the config
// being refused later with only an Event and a log line to show for it.
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { configInputs } from '../../common/kube/pool-config-source.ts';
import type { ConfigLoader } from '../../common/pool-config/load-off-thread.ts';
import { formatProblem } from '../../common/pool-config/problems.ts';
import {
  describeStranded,
  type HeldAddresses,
  strandedAddresses,
} from '../../common/pool-config/stranded.ts';
import { problemObject } from '../config-objects.ts';

export type AdmittedKind = 'IPAddressPool' | 'L2Advertisement' | 'ConfigMap';

export interface AdmissionTarget {
  readonly kind: AdmittedKind;
  readonly namespace: string;
  readonly name: string;
  /** The object as it would be stored. */
  readonly object: KubernetesObject;
}

export interface ConfigState {
  readonly namespace: string;
  readonly configMapName: string;
  readonly configMap: V1ConfigMap | undefined;
  /** IPAddressPools and L2Advertisements of the namespace. */
  readonly objects: readonly KubernetesObject[];
  readonly held: Iterable<HeldAddresses>;
}

export type AdmissionVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly message: string };

const sameObject = (kind: string, name: string) => (o: KubernetesObject) =>
  o.kind === kind && o.metadata?.name === name;

/**
 * Refuses the target when the config with it has errors in the target itself (another object's
 * old mistakes are not this write's fault), or would leave addresses in use in no pool.
 */
export async function admit(
  target: AdmissionTarget,
  state: ConfigState,
  load: ConfigLoader,
): Promise<AdmissionVerdict> {
  if (target.namespace !== state.namespace) return { allowed: true };
  if (target.kind === 'ConfigMap' && target.name !== state.configMapName) return { allowed: true };
  const configMap = target.kind === 'ConfigMap' ? (target.object as V1ConfigMap) : state.configMap;
  const objects =
    target.kind === 'ConfigMap'
      ? state.objects
      : [
          ...state.objects.filter((o) => !sameObject(target.kind, target.name)(o)),
          { ...target.object, kind: target.kind },
        ];
  const { result } = await load(configInputs(state.namespace, state.configMapName, configMap, objects));
  if (!result.ok) {
    const own = result.problems.filter((p) => {
      const about = problemObject(p.source);
      return p.severity === 'error' && about?.kind === target.kind && about.name === target.name;
    });
    if (own.length > 0) return { allowed: false, message: own.map(formatProblem).join('\n') };
    return { allowed: true };
  }
  const stranded = strandedAddresses(result.config, state.held);
  if (stranded.length === 0) return { allowed: true };
  return {
    allowed: false,
    message: `this change leaves addresses in use in no pool: ${describeStranded(stranded)}; move or delete those Services first`,
  };
}
