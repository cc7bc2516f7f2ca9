import { checkDkimNow, type DkimCheckOutcome, type DkimCheckReport } from '../app/check-dkim-now.ts';
import { EXIT_SERVICE } from '../cli/exit-codes.ts';
import { dkimFlagsFrom, dkimServiceConfig } from '../config/dkim-config.ts';
import { DETECTION_LEASE_MS, detectionResolver } from '../main/dkim-services.ts';
import type { Command } from './command.ts';
import { VERDICT_TEXT } from './dkim-doctor.ts';
import { KEY_ZONE_OPTIONS, KEY_ZONE_USAGE, scopeOf, storeConfigOf } from './dkim-options.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, remoteOf } from './remote.ts';
import { withSignet } from './with-signet.ts';

const CHECK_USAGE = `usage: signet dkim check DOMAIN [--output text|json]\n${REMOTE_USAGE}\n${KEY_ZONE_USAGE}\n  look the domain's records up now, as the detection worker does, and print the statuses that result`;

export function checkLines(report: DkimCheckReport): string[] {
  const lines = [
    `${report.domain}: DKIM ${report.dkimStatus ?? 'not set up'}, verification ${report.verificationStatus}`,
    `checked at ${report.checkedAt}; ${report.nextCheckAt === null ? 'no further checks' : `next check at ${report.nextCheckAt}`}`,
    '',
  ];
  for (const r of report.records) {
    lines.push(`${VERDICT_TEXT[r.verdict] ?? r.verdict.replace(/_/g, ' ')}: ${r.name} ${r.type}`);
    lines.push(`    DNS answered   ${r.observed}`);
  }
  if (report.external) {
    const e = report.external;
    lines.push(`${e.verdict.replace(/_/g, ' ')}: ${e.name} TXT (Bring Your Own DKIM, selector ${e.selector}: ${e.status})`);
    lines.push(`    DNS answered   ${e.observed}`);
  }
  return lines;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `signet dkim check DOMAIN`: a detection check now (the worker's lookups and lifecycle, its result
 * written back), on the running server (`/_signet/check`) when an endpoint is configured, else on the
 * data folder with this machine's resolver. Exit 0 whatever the status: the status is the answer.
 */
export const checkCommand: Command = {
  path: ['dkim', 'check'],
  summary: "check a domain's DKIM records now and print the resulting status",
  usage: CHECK_USAGE,
  options: { ...KEY_ZONE_OPTIONS, ...REMOTE_OPTIONS },
  positionals: { min: 1, max: 1, names: 'one DOMAIN' },
  async run(args, env) {
    const domain = args.positionals[0]!;
    const remote = remoteOf(args, env, CHECK_USAGE);
    let report: DkimCheckReport;
    if (remote !== null) report = (await remote.call('check', { domain })) as DkimCheckReport;
    else {
      const config = storeConfigOf(args, env);
      const dkim = dkimServiceConfig(dkimFlagsFrom(args.values), env);
      const outcome = await withSignet(config, {}, async (signet) => {
        const deps = {
          store: signet.storage.detection,
          resolver: detectionResolver(dkim, signet.storage),
          clock: signet.runtime.clock,
          zone: dkim.zone,
          policy: dkim.policy,
          leaseMs: DETECTION_LEASE_MS,
          toAscii: signet.ctx.toAscii,
        };
        // A server on the same data folder may be checking the domain this moment: its check ends soon.
        let result: DkimCheckOutcome = await checkDkimNow(deps, scopeOf(args, config), domain);
        for (let attempt = 1; result.kind === 'busy' && attempt < 8; attempt++) {
          await wait(50 * 2 ** attempt);
          result = await checkDkimNow(deps, scopeOf(args, config), domain);
        }
        return result;
      });
      if (outcome.kind === 'busy') {
        return { output: { kind: 'none' }, exitCode: EXIT_SERVICE, message: `signet: a check of ${outcome.domain} is in progress; try again.\n` };
      }
      report = outcome.report;
    }
    return { output: args.values['output'] === 'json' ? { kind: 'json', value: report, indent: 2 } : { kind: 'lines', lines: checkLines(report) } };
  },
};
