// The list merge rules of the built-in kinds, transcribed from the patchStrategy/patchMergeKey
// struct tags of k8s.io/api. A list without a rule is replaced whole (atomic); a map without a
// rule merges key by key. Only the fields kubectl apply touches in practice need to be here.

export interface FieldRule {
  /** Lists: merge element by element instead of replacing (patchStrategy "merge"). */
  readonly merge?: boolean;
  /** Lists of objects: the field identifying an element (patchMergeKey). */
  readonly mergeKey?: string;
  /** The rules inside the nested object, or inside each element of a list. */
  readonly fields?: StructRules;
}

export type StructRules = Readonly<Record<string, FieldRule>>;

const mergeBy = (mergeKey: string, fields?: StructRules): FieldRule => ({
  merge: true,
  mergeKey,
  ...(fields ? { fields } : {}),
});
const primitiveSet: FieldRule = { merge: true };
const conditions: FieldRule = mergeBy('type');

const objectMeta: StructRules = {
  finalizers: primitiveSet,
  ownerReferences: mergeBy('uid'),
};

const container: StructRules = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};

const podSpec: StructRules = {
  containers: mergeBy('name', container),
  initContainers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  volumes: mergeBy('name'),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeBy('name'),
};

const podTemplate: FieldRule = { fields: { metadata: { fields: objectMeta }, spec: { fields: podSpec } } };

const workloadStatus: FieldRule = { fields: { conditions } };

function kindRules(rules: StructRules): StructRules {
  return { metadata: { fields: objectMeta }, ...rules };
}

export const strategicRulesByKind: Readonly<Record<string, StructRules>> = {
  Service: kindRules({
    spec: { fields: { ports: mergeBy('port') } },
    status: { fields: { conditions } },
  }),
  Pod: kindRules({
    spec: { fields: podSpec },
    status: { fields: { conditions, podIPs: mergeBy('ip'), hostIPs: mergeBy('ip') } },
  }),
  Deployment: kindRules({ spec: { fields: { template: podTemplate } }, status: workloadStatus }),
  DaemonSet: kindRules({ spec: { fields: { template: podTemplate } }, status: workloadStatus }),
  Node: kindRules({
    spec: { fields: { podCIDRs: primitiveSet } },
    status: { fields: { conditions, addresses: mergeBy('type') } },
  }),
  Namespace: kindRules({ status: { fields: { conditions } } }),
  ServiceAccount: kindRules({ secrets: mergeBy('name') }),
  ConfigMap: kindRules({}),
  Secret: kindRules({}),
  Endpoints: kindRules({}),
  EndpointSlice: kindRules({}),
  Role: kindRules({}),
  ClusterRole: kindRules({}),
  RoleBinding: kindRules({}),
  ClusterRoleBinding: kindRules({}),
  Lease: kindRules({}),
  Event: kindRules({}),
};
