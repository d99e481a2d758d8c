// `baremetal-lb check-config FILE...`: validates pool configuration files offline, with the same
// code the controller uses, so a config can be checked in CI before it reaches a cluster.

import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { ConfigMapInput } from '../common/pool-config/configmap-source.ts';
import type { ConfigObject } from '../common/pool-config/crd-source.ts';
import { isRecord } from '../common/pool-config/field-checks.ts';
import { loadPoolConfig } from '../common/pool-config/load-config.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import { type ConfigProblem, formatProblem, ProblemCollector } from '../common/pool-config/problems.ts';
import { Allocator } from './allocator/allocator.ts';

const usage = `usage: baremetal-lb check-config FILE...

Validates MetalLB-format pool configuration offline: ConfigMaps (data.config), IPAddressPool and
L2Advertisement objects, or Lists of them, in multi-document YAML files, all checked together.
Prints every problem, one per line; exits 1 if any is an error, 0 if the config is valid.
`;

interface Collected {
  configMaps: ConfigMapInput[];
  objects: ConfigObject[];
  problems: ConfigProblem[];
}

function collect(object: unknown, origin: string, into: Collected): void {
  const problems = new ProblemCollector(origin, into.problems);
  if (!isRecord(object)) {
    problems.warn('document', object, 'not a Kubernetes object; ignored');
    return;
  }
  if (object.kind === 'List') {
    const items = Array.isArray(object.items) ? object.items : [];
    items.forEach((item, i) => {
      collect(item, `${origin}.items[${i}]`, into);
    });
    return;
  }
  if (object.kind === 'ConfigMap') {
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const data = isRecord(object.data) ? object.data : {};
    if (typeof data.config !== 'string') {
      problems.warn('data.config', data.config, 'ConfigMap without a config key; ignored');
      return;
    }
    into.configMaps.push({
      namespace: String(metadata.namespace ?? 'default'),
      name: String(metadata.name ?? '(unnamed)'),
      config: data.config,
      origin,
    });
    return;
  }
  const apiGroup = typeof object.apiVersion === 'string' ? object.apiVersion.split('/')[0] : '';
  if (apiGroup !== 'metallb.io') {
    problems.warn('kind', object.kind, 'not a pool configuration object; ignored');
    return;
  }
  into.objects.push({ object, origin });
}

async function readFiles(files: readonly string[]): Promise<Collected> {
  const into: Collected = { configMaps: [], objects: [], problems: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      new ProblemCollector(file, into.problems).error(
        'file',
        file,
        `cannot read: ${(error as Error).message}`,
      );
      continue;
    }
    parseAllDocuments(text).forEach((document, i) => {
      const origin = `${file}#${i + 1}`;
      if (document.errors.length > 0) {
        const message = document.errors[0]!.message.split('\n')[0]!.replace(/:$/, '');
        new ProblemCollector(origin, into.problems).error('document', '(YAML)', `not valid YAML: ${message}`);
        return;
      }
      const object = document.toJS() as unknown;
      if (object !== null && object !== undefined) collect(object, origin, into);
    });
  }
  return into;
}

function summary(config: PoolConfig): string {
  const usage = new Allocator(config).usage();
  const total = usage.reduce((sum, u) => sum + u.total, 0n);
  const pools = config.pools.map((pool) => {
    const counts = usage.filter((u) => u.pool === pool.name).map((u) => `${u.total} IPv${u.family}`);
    return `${pool.name}: ${counts.join(', ')}`;
  });
  const advertisements = config.l2Advertisements.length;
  return `valid: ${config.pools.length} pool(s), ${total} address(es) (${pools.join('; ')}); ${advertisements} L2Advertisement(s)`;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (argv.length === 0) {
    process.stderr.write(usage);
    return 2;
  }
  const collected = await readFiles(argv);
  const problems = [...collected.problems];
  const [configMap, ...extraConfigMaps] = collected.configMaps;
  for (const extra of extraConfigMaps) {
    const source = `${extra.origin} ConfigMap ${extra.namespace}/${extra.name}`;
    new ProblemCollector(source, problems).error(
      '',
      '(ConfigMap)',
      `only one pool ConfigMap is read; ${configMap!.origin} is already one`,
    );
  }
  const result = loadPoolConfig({ ...(configMap ? { configMap } : {}), objects: collected.objects });
  problems.push(...(result.ok ? result.warnings : result.problems));
  for (const problem of problems) process.stdout.write(`${formatProblem(problem)}\n`);
  if (!result.ok || problems.some((p) => p.severity === 'error')) return 1;
  process.stdout.write(`${summary(result.config)}\n`);
  return 0;
}
