// The resource types the server serves: built-in ones fixed here, custom ones added and removed as
// CustomResourceDefinitions come and go. Routing, discovery, storage and watch all key off this.

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: the URL segment. */
  readonly resource: string;
  readonly kind: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly statusSubresource: boolean;
  /** Types sharing a storeKey share their objects (core/v1 and events.k8s.io/v1 events). */
  readonly storeKey: string;
  /** Field selector paths accepted beyond metadata.name and metadata.namespace. */
  readonly selectableFields: readonly string[];
  /**
   * Whether a PUT without metadata.resourceVersion is accepted (kube-apiserver's
   * AllowUnconditionalUpdate): true for most built-in types, false for Leases, whose whole point is
   * that two writers cannot both win.
   */
  readonly unconditionalUpdate: boolean;
  readonly custom?: { schema: unknown; printerColumns: readonly PrinterColumn[] };
}

export const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

interface BuiltinSpec {
  gv: string;
  resource: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  storeKey?: string;
  fields?: string[];
  conditionalUpdateOnly?: boolean;
}

const eventFields = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

const builtinSpecs: BuiltinSpec[] = [
  {
    gv: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    fields: ['status.phase'],
  },
  {
    gv: 'v1',
    resource: 'services',
    kind: 'Service',
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
    fields: ['spec.clusterIP', 'spec.type'],
  },
  { gv: 'v1', resource: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] },
  { gv: 'v1', resource: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
  { gv: 'v1', resource: 'secrets', kind: 'Secret', fields: ['type'] },
  {
    gv: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    status: true,
    fields: ['spec.unschedulable'],
  },
  {
    gv: 'v1',
    resource: 'pods',
    kind: 'Pod',
    shortNames: ['po'],
    categories: ['all'],
    status: true,
    fields: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
  },
  { gv: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] },
  {
    gv: 'v1',
    resource: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    storeKey: 'events',
    fields: eventFields,
  },
  {
    gv: 'events.k8s.io/v1',
    resource: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    storeKey: 'events',
    fields: [
      'regarding.kind',
      'regarding.namespace',
      'regarding.name',
      'regarding.uid',
      'reason',
      'reportingController',
      'type',
    ],
  },
  { gv: 'discovery.k8s.io/v1', resource: 'endpointslices', kind: 'EndpointSlice', fields: ['addressType'] },
  { gv: 'coordination.k8s.io/v1', resource: 'leases', kind: 'Lease', conditionalUpdateOnly: true },
  // Stored only: the embedded server calls no admission webhooks.
  {
    gv: 'admissionregistration.k8s.io/v1',
    resource: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
  },
  {
    gv: 'apps/v1',
    resource: 'deployments',
    kind: 'Deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    status: true,
  },
  {
    gv: 'apps/v1',
    resource: 'daemonsets',
    kind: 'DaemonSet',
    shortNames: ['ds'],
    categories: ['all'],
    status: true,
  },
  { gv: 'rbac.authorization.k8s.io/v1', resource: 'roles', kind: 'Role' },
  { gv: 'rbac.authorization.k8s.io/v1', resource: 'rolebindings', kind: 'RoleBinding' },
  { gv: 'rbac.authorization.k8s.io/v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  {
    gv: 'rbac.authorization.k8s.io/v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  {
    gv: 'apiextensions.k8s.io/v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    status: true,
  },
];

function builtin(spec: BuiltinSpec): ResourceType {
  const slash = spec.gv.indexOf('/');
  const group = slash < 0 ? '' : spec.gv.slice(0, slash);
  const version = spec.gv.slice(slash + 1);
  return {
    group,
    version,
    resource: spec.resource,
    kind: spec.kind,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    statusSubresource: spec.status ?? false,
    unconditionalUpdate: !spec.conditionalUpdateOnly,
    storeKey: spec.storeKey ?? (group ? `${group}/${spec.resource}` : spec.resource),
    selectableFields: spec.fields ?? [],
  };
}

export const builtinTypes: readonly ResourceType[] = builtinSpecs.map(builtin);

export class ResourceRegistry {
  private readonly types = new Map<string, ResourceType>();
  /** CRD name → the types it contributed, so an update or delete can retract them. */
  private readonly byCrd = new Map<string, ResourceType[]>();

  constructor() {
    for (const type of builtinTypes) this.types.set(this.key(type.group, type.version, type.resource), type);
  }

  private key(group: string, version: string, resource: string): string {
    return `${group}/${version}/${resource}`;
  }

  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.get(this.key(group, version, resource));
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Any served type for a storeKey; the first one is the storage form. */
  byStoreKey(storeKey: string): ResourceType | undefined {
    for (const type of this.types.values()) if (type.storeKey === storeKey) return type;
    return undefined;
  }

  setCustom(crdName: string, types: ResourceType[]): void {
    this.removeCustom(crdName);
    for (const type of types) this.types.set(this.key(type.group, type.version, type.resource), type);
    this.byCrd.set(crdName, types);
  }

  removeCustom(crdName: string): void {
    for (const type of this.byCrd.get(crdName) ?? [])
      this.types.delete(this.key(type.group, type.version, type.resource));
    this.byCrd.delete(crdName);
  }

  /** Group → versions, in a stable order (built-ins first, as registered). */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const type of this.types.values()) {
      const versions = groups.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      groups.set(type.group, versions);
    }
    return groups;
  }
}
