import { spawn } from 'node:child_process';
import { fmt } from './stats.ts';

/**
 * One dnsperf run against a loopback server: its queries per second (printed, with the queries lost
 * and the average latency). `outstanding` is dnsperf's -q, the questions it keeps unanswered at most:
 * when a server's answers wait (a miss read from the store), a window too small holds the rate by
 * Little's law rather than the server's CPU.
 */
export function runDnsperf(dnsperf: string, port: number, queryFile: string, seconds: string, clients: string, outstanding = '500'): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', seconds, '-c', clients, '-T', clients, '-q', outstanding];
    const child = spawn(dnsperf, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', () => {
      const qps = /Queries per second:\s+([\d.]+)/.exec(out)?.[1];
      const lost = /Queries lost:\s+(\d+)/.exec(out)?.[1];
      const latency = /Average Latency \(s\):\s+([\d.]+)/.exec(out)?.[1];
      if (!qps) return reject(new Error(out));
      console.log(`    ${qps} q/s (lost ${lost}, average latency ${latency === undefined ? '?' : fmt(Number(latency) * 1000, 2)} ms)`);
      resolve(Number(qps));
    });
  });
}
