// Reads the project's manifests the way kubectl would see them: the files kustomization.yaml lists,
// each a stream of YAML documents, kept with their YAML nodes so tests can also read comments.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Document, isMap, isSeq, parseAllDocuments, parse as parseYaml } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const manifestsDir = path.join(repoRoot, 'manifests');
export const examplesDir = path.join(manifestsDir, 'examples');
export const systemNamespace = 'baremetal-lb-system';

// Loose on purpose: tests read arbitrary manifest fields and assert on them.
// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
export type KubeObject = Record<string, any>;

export interface ManifestDocument {
  readonly file: string;
  readonly node: Document;
  readonly object: KubeObject;
}

export function readManifest(file: string): ManifestDocument[] {
  const text = readFileSync(file, 'utf8');
  return parseAllDocuments(text)
    .filter((node) => node.contents !== null)
    .map((node) => {
      if (node.errors.length > 0) throw new Error(`${file}: ${node.errors[0]?.message}`);
      return { file, node, object: node.toJS() as KubeObject };
    });
}

/** The files manifests/kustomization.yaml lists, as absolute paths. */
export function kustomizeResources(): string[] {
  const kustomization = parseYaml(readFileSync(path.join(manifestsDir, 'kustomization.yaml'), 'utf8'));
  return (kustomization.resources as string[]).map((file) => path.join(manifestsDir, file));
}

/** Every document `kubectl apply -k manifests/` applies. */
export function baseDocuments(): ManifestDocument[] {
  return kustomizeResources().flatMap(readManifest);
}

export function findObject(docs: readonly ManifestDocument[], kind: string, name: string): KubeObject {
  const found = docs.find((d) => d.object.kind === kind && d.object.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} named "${name}" in the manifests`);
  return found.object;
}

/**
 * The comment written above each rule of a Role or ClusterRole, in rule order (undefined where
 * there is none). YAML attaches the first item's comment to the sequence itself.
 */
export function ruleComments(doc: Document): (string | undefined)[] {
  const contents = doc.contents;
  if (!isMap(contents)) return [];
  const rules = contents.get('rules', true);
  if (!isSeq(rules)) return [];
  return rules.items.map((item, index) => {
    const own = (item as { commentBefore?: string | null }).commentBefore;
    return (own ?? (index === 0 ? rules.commentBefore : undefined))?.trim() || undefined;
  });
}
