// Manifests for the controller tests: MetalLB-format pools, the metallb.io CRDs (from manifests/
// when present, else a minimal pair) and an ingress-nginx-style LoadBalancer Service.

import fs from 'node:fs';
import path from 'node:path';

export const namespace = 'baremetal-lb-system';

export function poolConfigMap(pools: { name: string; addresses: string[] }[]): string {
  const body = pools
    .map(
      (p) =>
        `      - name: ${p.name}\n        protocol: layer2\n        addresses:\n${p.addresses.map((a) => `          - ${a}`).join('\n')}`,
    )
    .join('\n');
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: ${namespace}
data:
  config: |
    address-pools:
${body}
`;
}

export function ipAddressPool(name: string, addresses: string[]): string {
  return `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  addresses:
${addresses.map((a) => `    - ${a}`).join('\n')}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: ${name}-l2
  namespace: ${namespace}
spec:
  ipAddressPools: [${name}]
`;
}

/** ingress-nginx's controller Service, trimmed to what matters here. */
export function ingressService(
  name: string,
  ns = 'default',
  extra: { loadBalancerIP?: string } = {},
): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app.kubernetes.io/name: ingress-nginx
    app.kubernetes.io/component: controller
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
${extra.loadBalancerIP ? `  loadBalancerIP: ${extra.loadBalancerIP}\n` : ''}  ipFamilyPolicy: SingleStack
  ipFamilies: [IPv4]
  selector:
    app.kubernetes.io/name: ingress-nginx
    app.kubernetes.io/component: controller
  ports:
    - name: http
      port: 80
      protocol: TCP
      targetPort: http
    - name: https
      port: 443
      protocol: TCP
      targetPort: https
`;
}

const minimalCrds = ['ipaddresspools', 'l2advertisements']
  .map((plural) => {
    const kind = plural === 'ipaddresspools' ? 'IPAddressPool' : 'L2Advertisement';
    return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.metallb.io
spec:
  group: metallb.io
  names:
    kind: ${kind}
    listKind: ${kind}List
    plural: ${plural}
    singular: ${kind.toLowerCase()}
  scope: Namespaced
  versions:
    - name: v1beta1
      served: true
      storage: true
      subresources:
        status: {}
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
  })
  .join('---\n');

/** The project's CRDs when manifests/crds holds them, else the minimal pair above. */
export function crdManifests(): string {
  const dir = path.resolve(import.meta.dirname, '../../../manifests/crds');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
  const texts = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  return texts.some((t) => t.includes('ipaddresspools.metallb.io')) ? texts.join('\n---\n') : minimalCrds;
}
