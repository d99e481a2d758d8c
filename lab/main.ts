// `baremetal-lb lab up|down|status|logs`: the whole system on one machine, for trying the product and
// for the end-to-end tests.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseLoadBalancer } from './announcers.ts';
import { parseInstallMethod } from './helm-install.ts';
import { parseKubeBackend } from './kube-api.ts';
import { labDown } from './lab-down.ts';
import { type LabPaths, type LabState, labPaths, readState } from './lab-state.ts';
import { announcementsByNode, listLabAnnouncements, processStatuses, statusTable } from './lab-status.ts';
import { labUp } from './lab-up.ts';
import { isSameProcess } from './processes.ts';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

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
    `Ask the segment who has the VIP (one node answers; nodes are ${leaderHint}):`,
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
    'Ask baremetal-lb who announces it, and why not the other nodes:',
    `  ./bin/baremetal-lb explain service ${state.ingress.namespace}/${state.ingress.service} --kubeconfig ${state.kubeconfig}`,
    '',
    `Which processes run and what each node announces:  sudo ./bin/baremetal-lb lab status ${labFlags(state)}`,
    `Where each component logs:  ./bin/baremetal-lb lab logs ${labFlags(state)}`,
    '',
    `Tear it all down:  sudo ./bin/baremetal-lb lab down ${labFlags(state)}`,
    '',
  ];
  return lines.join('\n');
}

type LabAction = 'up' | 'down' | 'status' | 'logs';

const actionUsage: Record<LabAction, string> = {
  up: `usage: baremetal-lb lab up [--nodes N] [--kube embedded|real] [--install kustomize|helm]
                       [--lb IMPLEMENTATION] [--dir DIR] [--prefix NAME]

Creates the lab (default 3 nodes) and returns once the ingress Service has its IP. --kube real runs
etcd, kube-apiserver and kube-controller-manager v1.36 instead of the embedded API server (built from
Go modules on first use: about 11 minutes on 2 cores, then cached). --install helm installs the
product with its Helm chart (helm v4, built the same way) instead of applying manifests/; it needs
--kube real, whose DaemonSet controller makes the speaker Pods. Needs root.

--lb says who announces, for comparison (only one at a time):
  baremetal-lb       ours (the default)
  baremetal-lb-fast  ours, speakers on --timing fast
  metallb            the real MetalLB v0.15.3, its own controller and pools   (needs --kube real)
  kube-vip           kube-vip v1.2.2, announcing what our controller assigns  (needs --kube real)
  keepalived         keepalived's VRRP with its defaults, advert_int 1        (needs --kube real)
  keepalived-tuned   VRRPv3, advert_int 0.1                                   (needs --kube real)
MetalLB and kube-vip are built from Go modules on first use (about 3 minutes); keepalived is
Debian's package.
`,
  down: `usage: baremetal-lb lab down [--dir DIR] [--prefix NAME]

Removes every namespace, process and file the lab made (also after a crash), and nothing else.
`,
  status: `usage: baremetal-lb lab status [--json] [--dir DIR] [--prefix NAME]

One row per lab process: component, node, PID, whether it is alive, and what each speaker's node
announces. --json prints the same for scripts. Exits 1 when a process is dead.
`,
  logs: `usage: baremetal-lb lab logs [COMPONENT] [--dir DIR]

Where each component logs (one JSON object per line: pipe through "npx pino-pretty" to read them).
With a COMPONENT (a name from "lab status"), prints its log file's path and its last 40 lines.
`,
};

const usage = `usage: baremetal-lb lab up | down | status | logs   [--dir DIR] [--prefix NAME]

  up      create the lab and return once the ingress Service has its IP
  down    remove every namespace, process and file the lab made
  status  which processes run, and what each node announces (--json for scripts)
  logs    where each component's log is

"baremetal-lb lab ACTION --help" says more about each.
`;

function isAction(action: string | undefined): action is LabAction {
  return action !== undefined && Object.hasOwn(actionUsage, action);
}

export async function main(argv: string[]): Promise<number> {
  const options = {
    nodes: { type: 'string' },
    kube: { type: 'string' },
    install: { type: 'string' },
    lb: { type: 'string' },
    dir: { type: 'string' },
    prefix: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
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
  if (!isAction(action)) {
    if (action !== undefined) process.stderr.write(`unknown lab action "${action}"\n\n`);
    (values.help && !action ? process.stdout : process.stderr).write(usage);
    return values.help && !action ? 0 : 2;
  }
  if (values.help) {
    process.stdout.write(actionUsage[action]);
    return 0;
  }
  const paths = labPaths(values.dir ?? join(repoRoot, '.lab'));
  const prefix = values.prefix ?? 'blb';
  try {
    switch (action) {
      case 'up':
        return await up(paths, prefix, values);
      case 'down':
        return await down(paths, prefix);
      case 'status':
        return await status(paths, values.json === true);
      case 'logs':
        return await logs(paths, positionals[1]);
    }
  } catch (error) {
    process.stderr.write(`lab ${action}: ${(error as Error).message}\n`);
    return 1;
  }
}

async function up(
  paths: LabPaths,
  prefix: string,
  values: { nodes?: string; kube?: string; install?: string; lb?: string },
) {
  const kube = parseKubeBackend(values.kube ?? 'embedded');
  const install = parseInstallMethod(values.install ?? 'kustomize');
  const lb = parseLoadBalancer(values.lb ?? 'baremetal-lb');
  if (install === 'helm' && kube !== 'real') {
    throw new Error(
      '--install helm needs --kube real: the embedded API server runs no DaemonSet controller to make the speaker Pods',
    );
  }
  const state = await labUp({
    paths,
    prefix,
    nodes: Number(values.nodes ?? 3),
    kube,
    install,
    lb,
    repoRoot,
    log: (l) => process.stdout.write(`lab: ${l}\n`),
  });
  process.stdout.write(guide(state));
  return 0;
}

async function down(paths: LabPaths, prefix: string) {
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

async function status(paths: LabPaths, json: boolean) {
  const state = await readState(paths);
  if (!state) {
    process.stdout.write(`no lab in ${paths.dir}\n`);
    return 1;
  }
  const listed = await listLabAnnouncements(state.kubeconfig);
  const apiError = 'error' in listed ? listed.error : undefined;
  const announcements = 'error' in listed ? undefined : announcementsByNode(listed);
  const rows = processStatuses(state, isSameProcess, announcements);
  if (json) {
    const report = {
      prefix: state.prefix,
      kube: state.kube ?? 'embedded',
      processes: rows,
      ...(apiError ? { apiError } : {}),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const note = apiError ? `The API did not answer (${apiError}): announcements unknown.` : undefined;
    process.stdout.write(statusTable(rows, note));
  }
  return rows.every((r) => r.alive) ? 0 : 1;
}

async function logs(paths: LabPaths, component: string | undefined) {
  const files = (await readdir(paths.logs).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.log'))
    .sort();
  if (files.length === 0) {
    process.stdout.write(`no logs in ${paths.logs}\n`);
    return 1;
  }
  if (component === undefined) {
    for (const file of files)
      process.stdout.write(`${basename(file, '.log').padEnd(32)}${join(paths.logs, file)}\n`);
    return 0;
  }
  if (!files.includes(`${component}.log`)) {
    process.stderr.write(
      `no log for "${component}"; there are: ${files.map((f) => basename(f, '.log')).join(', ')}\n`,
    );
    return 1;
  }
  const file = join(paths.logs, `${component}.log`);
  const tail = (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-40);
  process.stdout.write(`${file}\n${tail.join('\n')}\n`);
  return 0;
}
