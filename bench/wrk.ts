/** Load from wrk (Debian package `wrk`) replaying one pre-signed request, for the throughput benchmarks. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function requireWrk(): void {
  if (spawnSync('wrk', ['--version']).error) {
    console.error('wrk is required: apt-get install -y wrk');
    process.exit(2);
  }
}

/**
 * Writes a wrk script that sends one request as given (the server verifies its signature every time;
 * replays inside the 15-minute window are valid, as at AWS) and counts answers that are not 2xx or 3xx, so that a
 * broken signature or route cannot pass for throughput.
 */
export function wrkScript(dir: string, name: string, request: { method: string; path: string; headers: Record<string, string>; body: string }): string {
  const script = join(dir, `${name}.lua`);
  const lua = Object.entries(request.headers)
    .filter(([k]) => k.toLowerCase() !== 'host')
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(
    script,
    `wrk.method = ${JSON.stringify(request.method)}\nwrk.path = ${JSON.stringify(request.path)}\nwrk.body = ${JSON.stringify(request.body)}\n${lua}\n` +
      // done() runs in wrk's main script state, apart from the threads' states: it reads wrk's own
      // count of answers that were not 2xx or 3xx (a counter kept in response() would read 0 there).
      DONE_NON_200,
  );
  return script;
}

const DONE_NON_200 = 'done = function(summary) io.write("non200 ", summary.errors.status, "\\n") end\n';

/** A wrk duration ("314.00us", "2.80ms", "1.02s") in milliseconds. */
function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`not a wrk duration: ${text}`);
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as const)[m[2] as 'us' | 'ms' | 's' | 'm'];
}

/**
 * Latency of requests sent one after another on one keep-alive connection by wrk, a client written in
 * C: the pre-signed requests given, each once (distinct bodies read other rows), or as many as it
 * sends in `seconds`. What a client waits for, without a Node client's own costs and pauses. Throws on
 * any answer that is not 2xx/3xx.
 */
export function wrkLatency(
  url: string,
  dir: string,
  name: string,
  requests: readonly { headers: Record<string, string>; body: string }[],
  seconds: number,
): { p50: number; p99: number; count: number } {
  const script = join(dir, `${name}.lua`);
  const entries = requests.map((r) => {
    const headers = Object.entries(r.headers)
      .filter(([k]) => k.toLowerCase() !== 'host')
      .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join(', ');
    return `{ body = ${JSON.stringify(r.body)}, headers = { ${headers} } }`;
  });
  writeFileSync(
    script,
    `local list = {\n${entries.join(',\n')}\n}\nlocal requests = {}\nlocal i = 0\n` +
      'init = function() for k, r in ipairs(list) do requests[k] = wrk.format("POST", "/", r.headers, r.body) end end\n' +
      'request = function() i = i % #requests + 1; return requests[i] end\n' +
      // Each request once: a second pass would find the rows the first read in memory.
      'local answered = 0\nresponse = function() answered = answered + 1; if answered >= #requests then wrk.thread:stop() end end\n' +
      DONE_NON_200,
  );
  const out = spawnSync('wrk', ['-t', '1', '-c', '1', '-d', `${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const bad = Number(/non200 (\d+)/.exec(out.stdout)?.[1] ?? 'NaN');
  const p50 = /^\s+50%\s+(\S+)$/m.exec(out.stdout)?.[1];
  const p99 = /^\s+99%\s+(\S+)$/m.exec(out.stdout)?.[1];
  const count = Number(/(\d+) requests in/.exec(out.stdout)?.[1]);
  if (bad !== 0 || !p50 || !p99 || !(count > 0)) throw new Error(`wrk failed or saw errors:\n${out.stdout}${out.stderr}`);
  return { p50: wrkMs(p50), p99: wrkMs(p99), count };
}

/** Requests per second over `seconds` with `connections` keep-alive connections; throws on any non-200. */
export function wrkLoad(url: string, script: string, seconds: string, connections: string): number {
  const out = spawnSync('wrk', ['-t', '1', '-c', connections, '-d', `${seconds}s`, '-s', script, url], { encoding: 'utf8' });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]);
  const bad = Number(/non200 (\d+)/.exec(out.stdout)?.[1] ?? 'NaN');
  if (!(rate > 0) || bad !== 0) throw new Error(`wrk failed or saw errors:\n${out.stdout}${out.stderr}`);
  return rate;
}
