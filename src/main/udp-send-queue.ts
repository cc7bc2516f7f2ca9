import { builtinModule } from '../cli/builtins.ts';

/**
 * Node's flag that sends every UDP datagram through libuv's send queue (uv_udp_send) instead of
 * trying it first on its own (uv_udp_try_send, one sendmsg system call a datagram). A DNS server
 * queues a turn's answers and sends them back to back (authoritative-server.ts, answerOnUdpSocket):
 * the first goes out at once as before, and the rest wait in libuv's queue for the socket's next
 * writable event, where libuv sends them with sendmmsg, up to 20 a system call (libuv's
 * uv__udp_sendmmsg on Linux), as NSD does. Node offers no other way to reach sendmmsg.
 *
 * Measured at a million domains on 2 cores (issue 17; docs/performance-history.md, 2026-12-04):
 * against NSD (bench/scale.ts --steps dns, one run each way, alternated, Node 22 with and without
 * SIGNET_UDP_SEND_QUEUE=0), the Zipf mix from 0.47x to 0.56x on SQLite and from 0.45x to 0.53x on
 * PostgreSQL, 1.14x and 1.25x of Signet's rate; `bench/scale-dns-ab.ts --mix skewed` on Node 20, the
 * flag given by hand: pairs from 0.96x to 1.21x on SQLite (1.17x their median ratio), and the
 * bench's medians 1.23x, 1.09x and 1.00x in three runs on PostgreSQL.
 *
 * Node lists it for its own tests (src/node_options.cc: "For testing only", no help text) and takes it
 * on the command line only, not in NODE_OPTIONS. Both paths it picks between are libuv's public API,
 * and the answers are the same datagrams; what it changes is when the kernel is asked to send them.
 * Because Node may drop it one day, a Node that refuses it (`bad option`, exit code 9) is asked
 * first (nodeAcceptsUdpSendQueue) and then started without it.
 */
export const UDP_SEND_QUEUE_FLAG = '--test-udp-no-try-send';

/** Set to `0` to serve with Node's own UDP send path (the flag left out). */
export const UDP_SEND_QUEUE_ENV = 'SIGNET_UDP_SEND_QUEUE';

/** Whether this process should run with the flag and does not yet: not given, and not turned off. */
export function wantsUdpSendQueue(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return env[UDP_SEND_QUEUE_ENV] !== '0' && !execArgv.includes(UDP_SEND_QUEUE_FLAG);
}

let accepted: boolean | undefined;

/**
 * Whether this process's Node starts with the flag: one `node FLAG -e 0` (40 ms on an idle machine,
 * 165 ms on a busy one), asked once a process. A process started with a flag its Node does not know
 * exits before running anything, so asking first is what keeps `signet serve` from failing on a Node
 * that dropped it. Without NODE_OPTIONS: the question is about the flag alone, and a preload there
 * (a monitoring agent's `--require`) would run in the probe too.
 */
export function nodeAcceptsUdpSendQueue(): boolean {
  if (accepted === undefined) {
    // Loaded here rather than imported: every command's entry imports this module, and only serve asks.
    const { spawnSync } = builtinModule('node:child_process') as typeof import('node:child_process');
    const probe = spawnSync(process.execPath, [UDP_SEND_QUEUE_FLAG, '-e', '0'], {
      stdio: 'ignore',
      timeout: 10_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    accepted = probe.status === 0;
  }
  return accepted;
}
