import { startSignet, type RunningSignet } from '../test/helpers/signet-server.ts';

/**
 * `signet serve --dev` as the sending benchmarks run it: real 2048-bit keys (signing cost is part of
 * what they measure), a small pool (one domain), quiet logs, and no throttle or sending quota in the
 * way of the load. `extra` adds a benchmark's own flags.
 */
export function startSendingServer(dataDir: string, extra: readonly string[] = []): Promise<RunningSignet> {
  return startSignet([
    '--data-dir',
    dataDir,
    '--no-throttle',
    '--dev',
    '--key-bits',
    '2048',
    '--key-pool-size',
    '3',
    '--log-level',
    'warn',
    '--max-send-rate',
    '1000000',
    '--max-24-hour-send=-1',
    ...extra,
  ]);
}
