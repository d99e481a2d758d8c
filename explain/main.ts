// `baremetal-lb explain service NAMESPACE/NAME` and `explain ip ADDRESS`: who announces a Service's
// addresses and why not the other nodes, from any machine with a kubeconfig.

import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { describeApiError, isNotFound } from '../common/kube/api-errors.ts';
import { loadKubeConfig } from '../common/kube/kubeconfig.ts';
import { readClusterSnapshot, readServiceDetails, type SnapshotOptions } from './cluster-snapshot.ts';
import { type Explanation, explainService, poolForAddress, servicesWithAddress } from './explain-service.ts';
import { renderExplanation } from './render.ts';

const usage = `usage: baremetal-lb explain service NAMESPACE/NAME [flags]
       baremetal-lb explain ip ADDRESS [flags]

Says which pool a Service's addresses came from and why (or why it has none), the rules its fields
bring in, which node announces it on which interfaces, and for every other node why it does not;
then the Service's recent Events. Read-only; works against any cluster.

flags:
  --kubeconfig FILE   kubeconfig (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)
  --namespace NS      where baremetal-lb's pool config and speakers live (default "baremetal-lb-system")
  --config-map NAME   the MetalLB-format pool ConfigMap (default "config")
  --lb-class CLASS    the loadBalancerClass the components were started with (default: none)
  --json              print the answer as JSON
  -h, --help          show this text
`;

function kubeconfigPath(flag: string | undefined): string | undefined {
  if (flag) return flag;
  if (process.env.KUBECONFIG) return process.env.KUBECONFIG.split(':')[0];
  if (process.env.KUBERNETES_SERVICE_HOST) return undefined;
  return `${process.env.HOME ?? ''}/.kube/config`;
}

async function explainNamed(
  options: SnapshotOptions,
  target: string,
  lbClass?: string,
): Promise<Explanation[]> {
  const slash = target.indexOf('/');
  const [namespace, name] =
    slash > 0 ? [target.slice(0, slash), target.slice(slash + 1)] : ['default', target];
  const service = await options.kubeConfig
    .makeApiClient(CoreV1Api)
    .readNamespacedService({ name, namespace })
    .catch((error: unknown) => {
      throw isNotFound(error) ? new Error(`no Service ${namespace}/${name}`) : error;
    });
  const snapshot = await readClusterSnapshot(options);
  return [
    explainService(
      service,
      snapshot,
      await readServiceDetails(options.kubeConfig, service, options.namespace),
      lbClass,
    ),
  ];
}

async function explainAddress(
  options: SnapshotOptions,
  address: string,
  lbClass?: string,
): Promise<Explanation[]> {
  const snapshot = await readClusterSnapshot(options);
  const holders = servicesWithAddress(snapshot.services, address);
  if (holders.length === 0) {
    const pool = poolForAddress(snapshot, address);
    throw new Error(
      `no Service has ${address}; ${pool ? `it lies in pool "${pool}", free for the next Service that asks` : 'it lies in no pool of the current config'}`,
    );
  }
  return Promise.all(
    holders.map(async (s) =>
      explainService(
        s,
        snapshot,
        await readServiceDetails(options.kubeConfig, s, options.namespace),
        lbClass,
      ),
    ),
  );
}

const flags = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', default: 'baremetal-lb-system' },
  'config-map': { type: 'string', default: 'config' },
  'lb-class': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof flags }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: flags });
  } catch (error) {
    process.stderr.write(`explain: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const [kind, target, extra] = positionals;
  if ((kind !== 'service' && kind !== 'ip') || !target || extra !== undefined) {
    process.stderr.write(usage);
    return 2;
  }
  try {
    const options = {
      kubeConfig: loadKubeConfig(kubeconfigPath(values.kubeconfig)),
      namespace: values.namespace,
      configMapName: values['config-map'],
    };
    const lbClass = values['lb-class'];
    const answers =
      kind === 'service'
        ? await explainNamed(options, target, lbClass)
        : await explainAddress(options, target, lbClass);
    const now = Date.now();
    process.stdout.write(
      values.json
        ? `${JSON.stringify(kind === 'service' ? answers[0] : answers, null, 2)}\n`
        : answers.map((a) => renderExplanation(a, now)).join('\n'),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`explain: ${describeApiError(error)}\n`);
    return 1;
  }
}
