// The project's CRDs (manifests/crds) created through client-node's typed client, for tests and
// benches that have no kubectl at hand. The typed client spells the schema's x-kubernetes-* keys
// x_kubernetes_*, and drops keys it does not know, so they are renamed before it sees them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

const crdDir = path.resolve(import.meta.dirname, '../manifests/crds');

/** Creates the CRDs in manifests/crds whose file names pass `wanted` (all by default). */
export async function installProjectCrds(
  kubeConfig: KubeConfig,
  wanted: (file: string) => boolean = () => true,
): Promise<void> {
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const files = readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f) && wanted(f));
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(path.join(crdDir, file), 'utf8'))) {
      const body = clientModel(document.toJS()) as V1CustomResourceDefinition;
      await extensions.createCustomResourceDefinition({ body });
    }
  }
}

function clientModel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clientModel);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key.startsWith('x-kubernetes-') ? key.replaceAll('-', '_') : key,
      clientModel(inner),
    ]),
  );
}
