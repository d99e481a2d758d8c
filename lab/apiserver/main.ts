// `baremetal-lb apiserver`: runs the lab API server until SIGTERM or SIGINT.

import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ApiServerOptions, parseListen, startApiServer } from './server.ts';

const usage = `usage: baremetal-lb apiserver [flags]

Serves a Kubernetes API over plain HTTP for the lab (kubectl and client libraries work against it).

flags:
  --listen HOST:PORT       address to listen on (default 127.0.0.1:6443; port 0 picks a free port)
  --kubeconfig-out FILE    write a kubeconfig for this server to FILE
  --data-dir DIR           keep state in DIR across restarts (default: memory only)
  --tls-cert-file FILE     serve HTTPS with this PEM certificate (needs --tls-private-key-file);
                           kubectl sends ServiceAccount tokens (--token) only over HTTPS
  --tls-private-key-file FILE  the PEM private key for --tls-cert-file
  -h, --help               show this help
`;

export async function main(argv: string[]): Promise<number> {
  let values: {
    listen?: string;
    'kubeconfig-out'?: string;
    'data-dir'?: string;
    'tls-cert-file'?: string;
    'tls-private-key-file'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        'kubeconfig-out': { type: 'string' },
        'data-dir': { type: 'string' },
        'tls-cert-file': { type: 'string' },
        'tls-private-key-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.listen !== undefined) parseListen(values.listen);
    if ((values['tls-cert-file'] === undefined) !== (values['tls-private-key-file'] === undefined))
      throw new Error('--tls-cert-file and --tls-private-key-file go together');
  } catch (error) {
    process.stderr.write(`baremetal-lb apiserver: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const options: ApiServerOptions = {
    listen: values.listen ?? '127.0.0.1:6443',
    // One JSON line per 403, so whoever reads the lab's log can find every refused request.
    onDenial: (denial) =>
      process.stderr.write(
        `${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: 'forbidden', ...denial })}\n`,
      ),
  };
  if (values['data-dir']) options.dataDir = values['data-dir'];
  if (values['tls-cert-file'] && values['tls-private-key-file'])
    options.tls = {
      cert: await fs.readFile(values['tls-cert-file']),
      key: await fs.readFile(values['tls-private-key-file']),
    };
  // Listen for the stop signal before announcing the URL: whoever reads the URL may stop us at once.
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const server = await startApiServer(options);
  if (values['kubeconfig-out']) await server.writeKubeconfig(values['kubeconfig-out']);
  process.stdout.write(`${server.url}\n`);
  const signal = await stopped;
  process.stderr.write(`baremetal-lb apiserver: ${signal}, shutting down\n`);
  await server.close();
  return 0;
}
