// `baremetal-lb speaker`: flags, logger and signals around startSpeaker.

import { flagUsage, parseFlags } from '../common/cli-flags.ts';
import * as sharedFlags from '../common/component-flags.ts';
import { loadApiConfig } from '../common/kube/api-config.ts';
import { ApiConnection } from '../common/kube/api-connection.ts';
import { parseHostPort } from '../common/observability/health-server.ts';
import { createLogger, type Logger } from '../common/observability/logger.ts';
import { stopSignal } from '../common/stop-signal.ts';
import { type TimingProfile, timingProfiles } from './membership/timing.ts';
import { type SpeakerOptions, startSpeaker } from './speaker.ts';

export const secretEnv = 'BAREMETAL_LB_MEMBERLIST_SECRET';

export const speakerFlags = {
  'node-name': {
    type: 'string',
    value: 'NAME',
    describe: 'the Kubernetes Node this speaker runs on (default: NODE_NAME)',
  },
  kubeconfig: sharedFlags.kubeconfig,
  namespace: sharedFlags.namespace('the speaker Pods, the ConfigMap and the metallb.io resources'),
  'config-map': sharedFlags.configMap,
  interfaces: {
    type: 'string',
    value: 'A,B',
    describe: 'answer only on these interfaces (overrides every exclusion)',
  },
  'exclude-interfaces': {
    type: 'string',
    value: 'LIST',
    describe:
      'comma-separated name globs never answered on, on top of the built-in ones (lo, veth*, docker*, …)',
  },
  bind: {
    type: 'string',
    value: 'ADDR:PORT',
    describe: `failure detector UDP address; peers are reached at their speaker Pod IP and this port (secret in ${secretEnv})`,
    default: ':7946',
  },
  'no-failure-detector': {
    type: 'boolean',
    describe: 'judge speakers alive by their Pod and Node readiness instead',
  },
  timing: {
    type: 'string',
    value: 'PROFILE',
    describe:
      'failure detector pace: default (a crash agreed in ≈ 0.6 s) or fast (≈ 0.25 s, 2.5× the probes; see README)',
    default: 'default',
  },
  'lb-class': sharedFlags.lbClass('announce'),
  'metrics-addr': sharedFlags.metricsAddress(':7472'),
  'refresh-interval': {
    type: 'string',
    value: 'SECS',
    describe: 'repeat the gratuitous ARP/NA of every announced IP this often (default: off)',
  },
  'presence-interval': {
    type: 'string',
    value: 'SECS',
    describe: "renew this node's speaker-NODE Lease this often; it expires after three (for explain)",
    default: '5',
  },
  'debug-stall-on-sigusr2': {
    type: 'string',
    value: 'MS',
    describe: 'testing aid: on SIGUSR2, block the main thread for MS ms (a stand-in for a long GC pause)',
  },
  'log-level': sharedFlags.logLevel,
} as const;

const command = 'baremetal-lb speaker';
type Values = Extract<ReturnType<typeof parseFlags<typeof speakerFlags>>, { ok: true }>['values'];

function list(text: string | undefined): string[] | undefined {
  const items = text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

/** Everything the flags and environment say, checked; throws naming the flag and value. */
export function speakerSettings(
  values: Values,
  env: NodeJS.ProcessEnv,
): Omit<SpeakerOptions, 'connection' | 'logger'> {
  const nodeName = values['node-name'] ?? env.NODE_NAME;
  if (!nodeName) throw new Error('--node-name is required (or set NODE_NAME)');
  let refreshIntervalMs: number | undefined;
  if (values['refresh-interval'] !== undefined) {
    const seconds = Number(values['refresh-interval']);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(
        `--refresh-interval "${values['refresh-interval']}" must be a positive number of seconds`,
      );
    }
    refreshIntervalMs = Math.round(seconds * 1000);
  }
  const presenceSeconds = Number(values['presence-interval']);
  if (!Number.isFinite(presenceSeconds) || presenceSeconds <= 0) {
    throw new Error(
      `--presence-interval "${values['presence-interval']}" must be a positive number of seconds`,
    );
  }
  let failureDetector: SpeakerOptions['failureDetector'];
  if (!values['no-failure-detector']) {
    let bind: { host: string; port: number };
    try {
      bind = parseHostPort(values.bind);
    } catch (error) {
      throw new Error(`--bind: ${(error as Error).message}`);
    }
    const secret = env[secretEnv];
    if (!secret || Buffer.byteLength(secret) < 16) {
      throw new Error(
        `${secretEnv} must hold the speakers' shared secret (at least 16 bytes); or pass --no-failure-detector`,
      );
    }
    failureDetector = { bind: { address: bind.host || '0.0.0.0', port: bind.port }, secret };
  }
  if (!Object.hasOwn(timingProfiles, values.timing)) {
    throw new Error(`--timing "${values.timing}": say ${Object.keys(timingProfiles).join(' or ')}`);
  }
  const interfaces = list(values.interfaces);
  const excludeInterfaces = list(values['exclude-interfaces']);
  return {
    nodeName,
    namespace: values.namespace,
    configMapName: values['config-map'],
    metricsAddress: values['metrics-addr'],
    ...(values['lb-class'] ? { lbClass: values['lb-class'] } : {}),
    ...(interfaces ? { interfaces } : {}),
    ...(excludeInterfaces ? { excludeInterfaces } : {}),
    ...(failureDetector ? { failureDetector } : {}),
    ...(refreshIntervalMs ? { refreshIntervalMs } : {}),
    presenceIntervalMs: Math.round(presenceSeconds * 1000),
    timing: timingProfiles[values.timing as TimingProfile],
  };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, speakerFlags);
  if (!parsed.ok) {
    process.stderr.write(`${command}: ${parsed.message}\n\n${flagUsage(command, speakerFlags)}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(flagUsage(command, speakerFlags));
    return 0;
  }
  const values = parsed.values;
  let logger: Logger;
  let settings: ReturnType<typeof speakerSettings>;
  let connection: ApiConnection;
  let stallMs: number | undefined;
  try {
    settings = speakerSettings(values, process.env);
    stallMs = stallMillis(values['debug-stall-on-sigusr2']);
    logger = createLogger({
      component: 'speaker',
      ...(values['log-level'] ? { level: values['log-level'] } : {}),
    });
    connection = new ApiConnection(loadApiConfig(values.kubeconfig));
  } catch (error) {
    process.stderr.write(`${command}: ${(error as Error).message}\n`);
    return 2;
  }

  const signalled = stopSignal();
  let speaker: Awaited<ReturnType<typeof startSpeaker>>;
  try {
    speaker = await startSpeaker({ ...settings, connection, logger });
  } catch (error) {
    logger.fatal({ err: (error as Error).message }, 'speaker could not start');
    logger.flush();
    exitSoon(1, logger);
    return 1;
  }
  logger.info({ metricsAddress: speaker.metricsAddress }, 'serving /healthz, /readyz and /metrics');
  if (stallMs !== undefined) stallOnSignal(stallMs, logger);
  logger.info({ signal: await signalled }, 'shutting down');
  await speaker.stop();
  logger.flush();
  exitSoon(0, logger);
  return 0;
}

function stallMillis(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 60_000) {
    throw new Error(`--debug-stall-on-sigusr2 "${text}" must be a whole number of ms from 1 to 60000`);
  }
  return ms;
}

/**
 * The stall the split-brain tests need: the event loop stops, as in a long GC pause or CPU
 * starvation, while ARP requests pile up in the packet sockets. A busy wait, since nothing else
 * blocks the event loop alone.
 */
function stallOnSignal(ms: number, logger: Logger): void {
  process.on('SIGUSR2', () => {
    logger.warn({ ms }, 'SIGUSR2: blocking the main thread (--debug-stall-on-sigusr2)');
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // spin: the point is that this thread does nothing else
    }
  });
}

/**
 * A handle left open after the orderly stop (a library's keep-alive socket, a forgotten timer) must
 * not hold the Pod past its termination period: exit anyway, and name what was still open, since
 * a clean stop leaves nothing and exits at once.
 */
function exitSoon(code: number, logger: Logger): void {
  setTimeout(() => {
    logger.warn({ open: process.getActiveResourcesInfo() }, 'forced exit: handles still open after stop');
    logger.flush(() => process.exit(code));
  }, 1000).unref();
}
