// Table columns and cells of the built-in kinds, as kubernetes/pkg/printers/internalversion
// prints them server-side (column names in the server's case: kubectl upper-cases them).

import { eventPrinter } from './event-printer.ts';
import { ageOf } from './human-duration.ts';
import {
  ageColumn,
  column,
  count,
  field,
  formatLabels,
  list,
  nameColumn,
  type Printer,
  size,
  text,
} from './printer.ts';

const name = (object: Record<string, unknown>): string => text(field(object, 'metadata', 'name'));
const age = (object: Record<string, unknown>, now: Date): string =>
  ageOf(field(object, 'metadata', 'creationTimestamp'), now);

const servicePrinter: Printer = {
  columns: [
    nameColumn,
    column('Type', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service.'),
    column('External-IP', 'externalIPs and load-balancer ingress points of the service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    ageColumn,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', {
      priority: 1,
    }),
  ],
  cells: (object, now) => {
    const spec = field(object, 'spec');
    const clusterIPs = list(field(spec, 'clusterIPs'));
    const clusterIP = text(clusterIPs[0]) || text(field(spec, 'clusterIP')) || '<none>';
    return [
      name(object),
      text(field(spec, 'type')),
      clusterIP,
      serviceExternalIP(object),
      servicePorts(spec),
      age(object, now),
      formatLabels(field(spec, 'selector')),
    ];
  },
};

function serviceExternalIP(service: Record<string, unknown>): string {
  const externalIPs = list(field(service, 'spec', 'externalIPs')).map(text);
  switch (text(field(service, 'spec', 'type'))) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = list(field(service, 'status', 'loadBalancer', 'ingress'))
        .map((entry) => text(field(entry, 'ip')) || text(field(entry, 'hostname')))
        .filter((address) => address !== '');
      let lbText = ingress.join(',');
      // kubectl's non-wide output truncates long ingress lists.
      if (lbText.length > 16) lbText = `${lbText.slice(0, 13)}...`;
      const all = [...(lbText ? lbText.split(',') : []), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return text(field(service, 'spec', 'externalName'));
    default:
      return '<unknown>';
  }
}

function servicePorts(spec: unknown): string {
  return list(field(spec, 'ports'))
    .map((port) => {
      const protocol = text(field(port, 'protocol')) || 'TCP';
      const nodePort = count(field(port, 'nodePort'));
      return nodePort > 0
        ? `${count(field(port, 'port'))}:${nodePort}/${protocol}`
        : `${count(field(port, 'port'))}/${protocol}`;
    })
    .join(',');
}

const podPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted.'),
    ageColumn,
    column('IP', 'IP address allocated to the pod.', { priority: 1 }),
    column('Node', 'Name of the Node this pod is assigned to.', { priority: 1 }),
    column('Nominated Node', 'Name of the node the pod is nominated to preempt onto.', { priority: 1 }),
    column('Readiness Gates', 'Pod readiness gates.', { priority: 1 }),
  ],
  cells: (object, now) => {
    const statuses = list(field(object, 'status', 'containerStatuses'));
    const total = list(field(object, 'spec', 'containers')).length;
    const ready = statuses.filter((s) => field(s, 'ready') === true).length;
    const restarts = statuses.reduce<number>((sum, s) => sum + count(field(s, 'restartCount')), 0);
    return [
      name(object),
      `${ready}/${total}`,
      podStatus(object, statuses),
      restarts,
      age(object, now),
      text(field(object, 'status', 'podIP')) || '<none>',
      text(field(object, 'spec', 'nodeName')) || '<none>',
      text(field(object, 'status', 'nominatedNodeName')) || '<none>',
      '<none>',
    ];
  },
};

function podStatus(pod: Record<string, unknown>, statuses: unknown[]): string {
  let reason = text(field(pod, 'status', 'reason')) || text(field(pod, 'status', 'phase')) || 'Unknown';
  for (const status of statuses) {
    const waiting = text(field(status, 'state', 'waiting', 'reason'));
    const terminated = text(field(status, 'state', 'terminated', 'reason'));
    if (waiting) reason = waiting;
    else if (terminated) reason = terminated;
  }
  if (text(field(pod, 'metadata', 'deletionTimestamp'))) reason = 'Terminating';
  return reason;
}

const nodePrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of internal IPs of the node.', { priority: 1 }),
    column('External-IP', 'List of external IPs of the node.', { priority: 1 }),
    column('OS-Image', 'OS image reported by the node.', { priority: 1 }),
    column('Kernel-Version', 'Kernel version reported by the node.', { priority: 1 }),
    column('Container-Runtime', 'Container runtime reported by the node.', { priority: 1 }),
  ],
  cells: (object, now) => {
    const ready = list(field(object, 'status', 'conditions')).find((c) => field(c, 'type') === 'Ready');
    const status = [
      ready === undefined ? 'Unknown' : field(ready, 'status') === 'True' ? 'Ready' : 'NotReady',
    ];
    if (field(object, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
    const addresses = list(field(object, 'status', 'addresses'));
    const address = (type: string): string =>
      text(
        field(
          addresses.find((a) => field(a, 'type') === type),
          'address',
        ),
      ) || '<none>';
    const info = (key: string): string => text(field(object, 'status', 'nodeInfo', key)) || '<unknown>';
    return [
      name(object),
      status.join(','),
      nodeRoles(field(object, 'metadata', 'labels')),
      age(object, now),
      text(field(object, 'status', 'nodeInfo', 'kubeletVersion')),
      address('InternalIP'),
      address('ExternalIP'),
      info('osImage'),
      info('kernelVersion'),
      info('containerRuntimeVersion'),
    ];
  },
};

function nodeRoles(labels: unknown): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries((labels ?? {}) as Record<string, unknown>)) {
    if (key.startsWith('node-role.kubernetes.io/')) {
      const role = key.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (key === 'kubernetes.io/role' && text(value)) roles.add(text(value));
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

const workloadExtras = [
  column('Containers', 'Names of each container in the template.', { priority: 1 }),
  column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
  column('Selector', 'Label selector for pods.', { priority: 1 }),
];

function workloadExtraCells(object: Record<string, unknown>): string[] {
  const containers = list(field(object, 'spec', 'template', 'spec', 'containers'));
  return [
    containers.map((c) => text(field(c, 'name'))).join(','),
    containers.map((c) => text(field(c, 'image'))).join(','),
    formatSelector(field(object, 'spec', 'selector')),
  ];
}

/** metav1.LabelSelector as selector text (matchLabels then matchExpressions, sorted). */
function formatSelector(selector: unknown): string {
  const parts = Object.entries((field(selector, 'matchLabels') ?? {}) as Record<string, unknown>).map(
    ([k, v]) => `${k}=${text(v)}`,
  );
  for (const expression of list(field(selector, 'matchExpressions'))) {
    const key = text(field(expression, 'key'));
    const values = list(field(expression, 'values')).map(text).sort().join(',');
    const operator = text(field(expression, 'operator'));
    if (operator === 'In') parts.push(`${key} in (${values})`);
    else if (operator === 'NotIn') parts.push(`${key} notin (${values})`);
    else if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.length === 0 ? '<none>' : parts.sort().join(',');
}

const deploymentPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      { type: 'integer' },
    ),
    column(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      { type: 'integer' },
    ),
    ageColumn,
    ...workloadExtras,
  ],
  cells: (object, now) => {
    const desired = field(object, 'spec', 'replicas');
    const status = field(object, 'status');
    return [
      name(object),
      `${count(field(status, 'readyReplicas'))}/${desired === undefined ? 1 : count(desired)}`,
      count(field(status, 'updatedReplicas')),
      count(field(status, 'availableReplicas')),
      age(object, now),
      ...workloadExtraCells(object),
    ];
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'The total number of nodes that should be running the daemon pod.', {
      type: 'integer',
    }),
    column(
      'Current',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      { type: 'integer' },
    ),
    column(
      'Ready',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      { type: 'integer' },
    ),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', {
      type: 'integer',
    }),
    column(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
      { type: 'integer' },
    ),
    column('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageColumn,
    ...workloadExtras,
  ],
  cells: (object, now) => {
    const status = field(object, 'status');
    return [
      name(object),
      count(field(status, 'desiredNumberScheduled')),
      count(field(status, 'currentNumberScheduled')),
      count(field(status, 'numberReady')),
      count(field(status, 'updatedNumberScheduled')),
      count(field(status, 'numberAvailable')),
      formatLabels(field(object, 'spec', 'template', 'spec', 'nodeSelector')),
      age(object, now),
      ...workloadExtraCells(object),
    ];
  },
};

/** At most three entries, then "+ N more...", as the real printers abbreviate address lists. */
function abbreviated(items: string[], empty: string): string {
  if (items.length === 0) return empty;
  if (items.length <= 3) return items.join(',');
  return `${items.slice(0, 3).join(',')} + ${items.length - 3} more...`;
}

const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn,
    column('AddressType', 'Type of address carried by this EndpointSlice.'),
    column('Ports', 'Ports that are exposed by this EndpointSlice.'),
    column('Endpoints', 'Endpoints in this EndpointSlice.'),
    ageColumn,
  ],
  cells: (object, now) => {
    const ports = list(field(object, 'ports')).map((p) => {
      const port = field(p, 'port');
      return typeof port === 'number' ? String(port) : text(field(p, 'name')) || '*';
    });
    const addresses = list(field(object, 'endpoints')).flatMap((e) => list(field(e, 'addresses')).map(text));
    return [
      name(object),
      text(field(object, 'addressType')),
      abbreviated(ports, '<unset>'),
      abbreviated(addresses, '<unset>'),
      age(object, now),
    ];
  },
};

const endpointsPrinter: Printer = {
  columns: [nameColumn, column('Endpoints', 'Endpoints of the service'), ageColumn],
  cells: (object, now) => {
    const entries = list(field(object, 'subsets')).flatMap((subset) => {
      const ips = list(field(subset, 'addresses')).map((a) => text(field(a, 'ip')));
      const ports = list(field(subset, 'ports')).map((p) => count(field(p, 'port')));
      return ports.length === 0 ? ips : ports.flatMap((port) => ips.map((ip) => `${ip}:${port}`));
    });
    return [name(object), abbreviated(entries, '<none>'), age(object, now)];
  },
};

function simplePrinter(
  extra: { column: ReturnType<typeof column>; cell: (object: Record<string, unknown>) => unknown }[],
): Printer {
  return {
    columns: [nameColumn, ...extra.map((e) => e.column), ageColumn],
    cells: (object, now) => [name(object), ...extra.map((e) => e.cell(object)), age(object, now)],
  };
}

const createdAtPrinter: Printer = {
  columns: [
    nameColumn,
    column(
      'Created At',
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
      { type: 'date' },
    ),
  ],
  cells: (object) => [name(object), text(field(object, 'metadata', 'creationTimestamp'))],
};

export const defaultPrinter: Printer = simplePrinter([]);

export const builtinPrinters: Readonly<Record<string, Printer>> = {
  Service: servicePrinter,
  Event: eventPrinter,
  Pod: podPrinter,
  Node: nodePrinter,
  Deployment: deploymentPrinter,
  DaemonSet: daemonSetPrinter,
  EndpointSlice: endpointSlicePrinter,
  Endpoints: endpointsPrinter,
  CustomResourceDefinition: createdAtPrinter,
  Namespace: simplePrinter([
    {
      column: column('Status', 'The status of the namespace'),
      cell: (o) => text(field(o, 'status', 'phase')),
    },
  ]),
  ConfigMap: simplePrinter([
    {
      column: column('Data', 'Data contains the configuration data.', { type: 'integer' }),
      cell: (o) => size(field(o, 'data')) + size(field(o, 'binaryData')),
    },
  ]),
  Secret: simplePrinter([
    { column: column('Type', 'The type of the secret'), cell: (o) => text(field(o, 'type')) },
    {
      column: column('Data', 'The number of data entries in the secret', { type: 'integer' }),
      cell: (o) => size(field(o, 'data')) + size(field(o, 'stringData')),
    },
  ]),
  ServiceAccount: simplePrinter([
    {
      column: column(
        'Secrets',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
        { type: 'integer' },
      ),
      cell: (o) => list(field(o, 'secrets')).length,
    },
  ]),
  Lease: simplePrinter([
    {
      column: column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
      cell: (o) => text(field(o, 'spec', 'holderIdentity')),
    },
  ]),
};
