import { spawnSync } from 'node:child_process';

/**
 * Node's flag that sends every UDP datagram through libuv's send queue (uv_udp_send) instead of
 * trying it first on its own (uv_udp_try_send, one sendmsg system call a datagram). A DNS server
 * queues a turn's answers and sends them back to back (authoritative-server.ts, answerOnUdpSocket):
 * the first goes out at once as before, and the rest wait in libuv's queue for the socket's next
 * writable event, where libuv sends them with sendmmsg, up to 20 a system call (libuv's
 * uv__udp_sendmmsg on Linux), as NSD does. Node offers no other way to reach sendmmsg.
 *
 * Measured at a million domains on 2 cores (issue 17; docs/performance-history.md, 2026-12-04):
 * `bench/scale-dns-ab.ts --mix skewed`, the same build with and without it: 1.21x on SQLite (four
 * pairs) and 1.23x, 1.09x and 1.00x on PostgreSQL (three runs); against NSD in the same run
 * (bench/scale.ts --steps dns), the Zipf mix from 0.47x to 0.56x on SQLite and from 0.45x to 0.53x on
 * PostgreSQL (Node 22, with and without SIGNET_UDP_SEND_QUEUE=0).
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
 * Whether this process's Node starts with the flag: one `node FLAG -e 0` (about 40 ms), asked once.
 * A process started with a flag its Node does not know exits before running anything, so asking
 * first is what keeps `signet serve` from failing on a Node that dropped it.
 */
export function nodeAcceptsUdpSendQueue(): boolean {
  if (accepted === undefined) {
    const probe = spawnSync(process.execPath, [UDP_SEND_QUEUE_FLAG, '-e', '0'], { stdio: 'ignore', timeout: 10_000 });
    accepted = probe.status === 0;
  }
  return accepted;
}
