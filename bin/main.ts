// One entry point for every component, so the image and the checkout expose the same commands.
const subcommands: Record<
  string,
  { describe: string; load: () => Promise<{ main: (argv: string[]) => Promise<number> }> }
> = {
  apiserver: {
    describe: 'serve the lab Kubernetes API over plain HTTP',
    load: () => import('../lab/apiserver/main.ts'),
  },
  'check-config': {
    describe: 'validate pool config files offline',
    load: () => import('../controller/check-config.ts'),
  },
  controller: {
    describe: 'assign LoadBalancer Service IPs from the address pools',
    load: () => import('../controller/main.ts'),
  },
  explain: {
    describe: 'who announces a Service or IP, and why not the other nodes',
    load: () => import('../explain/main.ts'),
  },
  lab: {
    describe: 'the whole system on this machine: lab up | down | status',
    load: () => import('../lab/main.ts'),
  },
  speaker: {
    describe: 'announce the Service IPs this node leads over ARP/NDP',
    load: () => import('../speaker/main.ts'),
  },
};

function usage(): string {
  const lines = Object.entries(subcommands).map(([name, s]) => `  ${name.padEnd(14)}${s.describe}`);
  return `usage: baremetal-lb <subcommand> [flags]\n\nsubcommands:\n${lines.join('\n')}\n`;
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  process.stdout.write(usage());
  process.exit(name ? 0 : 2);
}
const entry = subcommands[name];
if (!entry) {
  process.stderr.write(`baremetal-lb: unknown subcommand "${name}"\n\n${usage()}`);
  process.exit(2);
}
const code = await (await entry.load()).main(rest);
if (code !== undefined && code !== 0) process.exitCode = code;
