// `baremetal-lb lab up|down|status`: the whole system on one machine, for trying the product and
// for the end-to-end tests.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseKubeBackend } from './kube-api.ts';
import { labDown } from './lab-down.ts';
import { type LabState, labPaths, readState } from './lab-state.ts';
import { labUp } from './lab-up.ts';
import { isSameProcess } from './processes.ts';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

const usage = `usage: baremetal-lb lab up [--nodes N] [--kube embedded|real] | down | status   [--dir DIR] [--prefix NAME]

  up      create the lab (default 3 nodes) and return once the ingress Service has its IP;
          --kube real runs etcd, kube-apiserver and kube-controller-manager v1.36 instead of the
          embedded API server (built from Go modules on first use: 10-20 minutes, then cached)
  down    remove every namespace, process and file the lab made (also after a crash)
  status  print the lab's state file and whether its processes run
`;

/** --dir and --prefix of this lab, so a printed command acts on it and not on the default lab. */
function labFlags(state: LabState): string {
  return `--dir ${dirname(state.kubeconfig)} --prefix ${state.prefix}`;
}

export function guide(state: LabState): string {
  const client = state.client.netns;
  const leaderHint = state.nodes.map((n) => `${n.name} ${n.mac}`).join(', ');
  const vip4 = state.ingress.ipv4 ?? '<pending>';
  const lines = [
    '',
    `The lab is up. The ingress Service ${state.ingress.namespace}/${state.ingress.service} got ${[state.ingress.ipv4, state.ingress.ipv6].filter(Boolean).join(' and ')}.`,
    '',
    'Look at it with kubectl:',
    `  export KUBECONFIG=${state.kubeconfig}`,
    ...(state.kubectl && state.kubectl !== 'kubectl'
      ? [`  alias kubectl=${state.kubectl}    # v1.36, to match the real API server`]
      : []),
    '  kubectl get svc -A',
    `  kubectl describe svc -n ${state.ingress.namespace} ${state.ingress.service}`,
    '',
    'Ask the segment who has the VIP (one node answers; nodes are ' + leaderHint + '):',
    `  sudo ip netns exec ${client} arping -c 3 -I ${state.client.interface} ${vip4}`,
    ...(state.ingress.ipv6
      ? [`  sudo ip netns exec ${client} ndisc6 ${state.ingress.ipv6} ${state.client.interface}`]
      : []),
    '',
    'Reach the ingress through the VIP (the answer names the node that served it):',
    `  sudo ip netns exec ${client} curl -s http://${vip4}/`,
    ...(state.ingress.ipv6
      ? [`  sudo ip netns exec ${client} curl -s -6 'http://[${state.ingress.ipv6}]/'`]
      : []),
    '',
    'Kill the announcing node and watch the VIP move (NODE is the name arping showed):',
    `  sudo kill -9 $(jq '.nodes[] | select(.name=="NODE") | .speakerPid' ${join(dirname(state.kubeconfig), 'state.json')})`,
    `  sudo ip -n ${state.prefix}-switch link set p-NODE down    # take its cable out`,
    '',
    `Tear it all down:  sudo ./bin/baremetal-lb lab down ${labFlags(state)}`,
    '',
  ];
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const options = {
    nodes: { type: 'string' },
    kube: { type: 'string' },
    dir: { type: 'string' },
    prefix: { type: 'string' },
    help: { type: 'boolean' },
  } as const;
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>
  >;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const action = positionals[0];
  if (values.help || !action) {
    process.stdout.write(usage);
    return values.help ? 0 : 2;
  }
  const paths = labPaths(values.dir ?? join(repoRoot, '.lab'));
  const prefix = values.prefix ?? 'blb';
  try {
    switch (action) {
      case 'up': {
        const nodes = Number(values.nodes ?? 3);
        const state = await labUp({
          paths,
          prefix,
          nodes,
          kube: parseKubeBackend(values.kube ?? 'embedded'),
          repoRoot,
          log: (l) => process.stdout.write(`lab: ${l}\n`),
        });
        process.stdout.write(guide(state));
        return 0;
      }
      case 'down': {
        const removed = await labDown(paths, prefix);
        process.stdout.write(
          `lab: removed ${removed.namespaces.length} namespaces and ${removed.processes} processes\n`,
        );
        if (removed.keptFiles.length > 0) {
          process.stdout.write(
            `lab: left ${removed.keptFiles.join(', ')} in ${paths.dir}: the lab did not make them\n`,
          );
        }
        return 0;
      }
      case 'status': {
        const state = await readState(paths);
        if (!state) {
          process.stdout.write(`no lab in ${paths.dir}\n`);
          return 1;
        }
        const running = state.processes.map((p) => ({ ...p, running: isSameProcess(p) }));
        process.stdout.write(`${JSON.stringify({ ...state, processes: running }, null, 2)}\n`);
        return running.every((p) => p.running) ? 0 : 1;
      }
      default:
        process.stderr.write(`unknown lab action "${action}"\n\n${usage}`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`lab ${action}: ${(error as Error).message}\n`);
    return 1;
  }
}
