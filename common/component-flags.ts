// The flags the controller and the speaker share, spelled and explained once (MetalLB's names).
// Meant to be imported as a namespace: sharedFlags.kubeconfig, sharedFlags.namespace('…').

export const kubeconfig = {
  type: 'string',
  value: 'FILE',
  describe: 'kubeconfig file; in-cluster config when omitted',
} as const;

export function namespace(holding: string) {
  return {
    type: 'string',
    value: 'NS',
    describe: `namespace of ${holding}`,
    default: 'baremetal-lb-system',
  } as const;
}

export const configMap = {
  type: 'string',
  value: 'NAME',
  describe: 'ConfigMap with the pool config (key "config")',
  default: 'config',
} as const;

export function lbClass(verb: string) {
  return {
    type: 'string',
    value: 'CLASS',
    describe: `only ${verb} Services with this spec.loadBalancerClass (default: only Services without one)`,
  } as const;
}

export function metricsAddress(defaultAddress: string) {
  return {
    type: 'string',
    value: 'HOST:PORT',
    describe: '/healthz, /readyz and /metrics',
    default: defaultAddress,
  } as const;
}

export const logLevel = {
  type: 'string',
  value: 'LEVEL',
  describe: 'trace|debug|info|warn|error (default LOG_LEVEL or info)',
} as const;
