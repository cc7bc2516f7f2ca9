import { spawn } from 'node:child_process';

/** One dnsperf run against a loopback server: its queries per second (printed, with the queries lost). */
export function runDnsperf(dnsperf: string, port: number, queryFile: string, seconds: string, clients: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', seconds, '-c', clients, '-T', clients, '-q', '500'];
    const child = spawn(dnsperf, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', () => {
      const qps = /Queries per second:\s+([\d.]+)/.exec(out)?.[1];
      const lost = /Queries lost:\s+(\d+)/.exec(out)?.[1];
      if (!qps) return reject(new Error(out));
      console.log(`    ${qps} q/s (lost ${lost})`);
      resolve(Number(qps));
    });
  });
}
