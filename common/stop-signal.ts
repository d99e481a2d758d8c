// How every long-running command of this project waits to be stopped.

/**
 * Resolves with the first SIGTERM or SIGINT that arrives after the call. Both listeners go once one
 * fires, so a second signal gets Node's default handling (exit) instead of being swallowed.
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve(signal);
    };
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}
