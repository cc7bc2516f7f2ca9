import { nodeAcceptsUdpSendQueue, UDP_SEND_QUEUE_ENV, UDP_SEND_QUEUE_FLAG, wantsUdpSendQueue } from './udp-send-queue.ts';
import { needsYoungGenerationCap, semiSpaceSizeGiven, withYoungGenerationCap, YOUNG_GENERATION_FLAG } from './young-generation.ts';

/**
 * The Node flags a command's process lacks and should run with: the young generation's cap for
 * `signet serve` and `signet dns export` (young-generation.ts), and for `signet serve` the UDP send
 * queue (udp-send-queue.ts), unless turned off or this Node refuses it (`accepts`, asked only then).
 */
export function serverNodeFlagsToAdd(argv: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv, accepts: () => boolean): string[] {
  const flags: string[] = [];
  if (needsYoungGenerationCap(argv) && !semiSpaceSizeGiven(execArgv, env['NODE_OPTIONS'])) flags.push(YOUNG_GENERATION_FLAG);
  if (argv[0] === 'serve' && wantsUdpSendQueue(execArgv, env) && accepts()) flags.push(UDP_SEND_QUEUE_FLAG);
  return flags;
}

/**
 * A DNS worker's flags (src/main/dns-workers.ts): the server's, with what a server process runs with
 * added where it lacks them. A worker of a server that could not start itself again (Node 20) still
 * gets both.
 */
export function dnsWorkerExecArgv(execArgv: readonly string[], env: NodeJS.ProcessEnv, accepts: () => boolean = nodeAcceptsUdpSendQueue): string[] {
  const flags = withYoungGenerationCap(execArgv, env['NODE_OPTIONS']);
  if (wantsUdpSendQueue(flags, env) && accepts()) flags.push(UDP_SEND_QUEUE_FLAG);
  return flags;
}

/**
 * For those commands, before anything else runs: the process starts again in place with the flags it
 * lacks (process.execve: the same PID and open descriptors, so systemd, a supervisor or a test waiting
 * on it sees one process), since V8 sizes its heap when it starts and Node reads its options then.
 * Where Node has no execve (before 22.15 and 23.11) or nothing lacks, it goes on as it is: on Node 20
 * the cap is V8's default anyway, and the server's own process answers without the send queue (its
 * DNS workers have it; the operator may give the flag).
 */
export function restartWithServerFlags(argv: readonly string[]): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') return;
  const flags = serverNodeFlagsToAdd(argv, process.execArgv, process.env, nodeAcceptsUdpSendQueue);
  if (flags.length === 0) return;
  // Wanted but refused by this Node: the started process, and the DNS workers it forks, do not ask again.
  const refused = argv[0] === 'serve' && wantsUdpSendQueue(process.execArgv, process.env) && !flags.includes(UDP_SEND_QUEUE_FLAG);
  const env = refused ? { ...process.env, [UDP_SEND_QUEUE_ENV]: '0' } : process.env;
  try {
    execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, ...process.argv.slice(1)], env);
  } catch {
    // Refused by the platform (execve is POSIX only): run with Node's defaults, as before.
  }
}
