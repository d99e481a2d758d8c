// One JSON log format for every component, so lines from the controller and the speakers can be
// filtered with the same keys: component, msg, and where relevant service, pool, ip, reason, err.

import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export const logLevels: readonly LevelWithSilent[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

export interface LoggerOptions {
  readonly component: string;
  /** Wins over LOG_LEVEL in the environment; default info. */
  readonly level?: string;
  /** Defaults to stdout; tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

export function parseLogLevel(text: string): LevelWithSilent {
  const level = text.trim().toLowerCase() as LevelWithSilent;
  if (!logLevels.includes(level)) {
    throw new Error(`log level ${JSON.stringify(text)} is not one of ${logLevels.join(', ')}`);
  }
  return level;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = parseLogLevel(options.level ?? process.env.LOG_LEVEL ?? 'info');
  return pino(
    {
      level,
      base: { component: options.component },
      messageKey: 'msg',
      errorKey: 'err',
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names rather than pino's numbers: readable without pino-pretty.
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
