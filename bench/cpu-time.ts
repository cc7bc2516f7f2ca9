import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ, the unit of /proc's CPU times: 100 on Linux (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user and system) a live process has used, all its threads together, from
 * /proc/PID/stat (utime and stime, fields 14 and 15, counted after the command name in parentheses,
 * which may hold spaces; proc(5)). Throws where /proc does not have it (another OS, or it exited).
 */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** processCpuSeconds in ms, or null where /proc does not have it. */
export function processCpuMs(pid: number): number | null {
  try {
    return processCpuSeconds(pid) * 1000;
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) used so far by every PostgreSQL process on this machine (command name `postgres`:
 * the backends, and the background processes such as the WAL writer and autovacuum), or null where
 * /proc is missing or shows none (PostgreSQL on another host). A benchmark takes the difference over
 * its run, when nothing else uses PostgreSQL.
 */
export function postgresCpuMs(): number | null {
  let total = 0;
  let seen = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue; // exited meanwhile
    }
    if (comm !== 'postgres') continue;
    const ms = processCpuMs(Number(pid));
    if (ms === null) continue;
    total += ms;
    seen = true;
  }
  return seen ? total : null;
}
