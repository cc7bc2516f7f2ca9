import { keyRingLines } from './dkim-rotate.ts';
import { dkimDoctor, type DoctorReport } from '../app/dkim-doctor.ts';
import { dkimFlagsFrom, dkimServiceConfig } from '../config/dkim-config.ts';
import { detectionResolver } from '../main/dkim-services.ts';
import type { Command } from './command.ts';
import { EXIT_NEGATIVE, EXIT_OK } from '../cli/exit-codes.ts';
import { KEY_ZONE_OPTIONS, KEY_ZONE_USAGE, scopeOf, storeConfigOf } from './dkim-options.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, remoteOf } from './remote.ts';
import { withSignet } from './with-signet.ts';

/** Doctor verdicts in words, as a person reads them. */
export const VERDICT_TEXT: Readonly<Record<string, string>> = {
  ok: 'ok',
  missing: 'missing',
  points_elsewhere: 'points elsewhere',
  domain_appended_twice: 'domain appended twice',
  txt_instead_of_cname: 'TXT record where the CNAME belongs',
  resolver_error: 'resolver error (no verdict)',
};

export function doctorLines(report: DoctorReport): string[] {
  const lines = [`${report.domain}: DKIM ${report.dkimStatus}, verification ${report.verificationStatus}`, ''];
  for (const r of report.records) {
    lines.push(`${VERDICT_TEXT[r.verdict] ?? r.verdict}: ${r.name}`);
    lines.push(`    expected CNAME ${r.target}`);
    lines.push(`    DNS answered   ${r.observed}`);
  }
  lines.push('', 'Records to publish (zone-file lines):', ...report.records.map((r) => r.zoneLine));
  if (report.external) {
    const e = report.external;
    lines.push(
      '',
      `Bring Your Own DKIM: selector ${e.selector}, ${e.status}; chosen ${e.chosen}, signing now with ${e.signing ?? 'nothing (no method verified)'}`,
      `${e.verdict}: ${e.name}`,
      `    ${e.advice}`,
      `    DNS answered   ${e.observed}`,
      `    to publish     ${e.zoneLine}`,
    );
  }
  if (report.keys) lines.push('', 'Keys behind the tokens (role, length, age):', ...keyRingLines(report.keys).slice(1), keyRingLines(report.keys)[0]!);
  return lines;
}

const DOCTOR_USAGE = `usage: signet dkim doctor DOMAIN [--resolver IP[:PORT]]... [--output text|json]\n${REMOTE_USAGE}\n${KEY_ZONE_USAGE}\n  exit 0 when every record is right, 1 otherwise`;

/**
 * `signet dkim doctor DOMAIN`: exit 0 when every record is right, 1 otherwise. Asks the running server
 * (`/_signet/dkim-doctor`, with its resolver) when an endpoint is configured, else the data folder.
 */
export const doctorCommand: Command = {
  path: ['dkim', 'doctor'],
  summary: "what DNS answers for each of a domain's DKIM records, and what is wrong",
  usage: DOCTOR_USAGE,
  options: { ...KEY_ZONE_OPTIONS, ...REMOTE_OPTIONS },
  positionals: { min: 1, max: 1, names: 'one DOMAIN' },
  async run(args, env) {
    const domain = args.positionals[0]!;
    const remote = remoteOf(args, env, DOCTOR_USAGE);
    let report: DoctorReport;
    if (remote !== null) report = (await remote.call('dkim-doctor', { domain })) as DoctorReport;
    else {
      const config = storeConfigOf(args, env);
      const dkim = dkimServiceConfig(dkimFlagsFrom(args.values), env);
      report = await withSignet(config, {}, (signet) =>
        dkimDoctor(
          {
            store: signet.storage.store,
            resolver: detectionResolver(dkim, signet.storage),
            zone: dkim.zone,
            toAscii: signet.ctx.toAscii,
            rings: { store: signet.storage.keyRings, clock: signet.runtime.clock },
            external: signet.storage.externalDkim,
          },
          scopeOf(args, config),
          domain,
        ),
      );
    }
    return {
      output: args.values['output'] === 'json' ? { kind: 'json', value: report, indent: 2 } : { kind: 'lines', lines: doctorLines(report) },
      exitCode: report.healthy ? EXIT_OK : EXIT_NEGATIVE,
    };
  },
};
