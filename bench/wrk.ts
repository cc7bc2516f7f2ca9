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
 * replays inside the 15-minute window are valid, as at AWS) and counts non-200 answers, so that a
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
      'bad = 0\nresponse = function(status) if status ~= 200 then bad = bad + 1 end end\n' +
      'done = function() io.write("non200 ", bad, "\\n") end\n',
  );
  return script;
}

/** Requests per second over `seconds` with `connections` keep-alive connections; throws on any non-200. */
export function wrkLoad(url: string, script: string, seconds: string, connections: string): number {
  const out = spawnSync('wrk', ['-t', '1', '-c', connections, '-d', `${seconds}s`, '-s', script, url], { encoding: 'utf8' });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]);
  const bad = Number(/non200 (\d+)/.exec(out.stdout)?.[1] ?? 'NaN');
  if (!(rate > 0) || bad !== 0) throw new Error(`wrk failed or saw errors:\n${out.stdout}${out.stderr}`);
  return rate;
}
