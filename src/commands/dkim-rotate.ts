import { rotateDomainKeys, type KeyRingReport } from '../app/key-ring.ts';
import { dkimFlagsFrom, dkimServiceConfig } from '../config/dkim-config.ts';
import { keyRingDeps } from '../main/dkim-services.ts';
import type { Command } from './command.ts';
import { KEY_ZONE_OPTIONS, KEY_ZONE_USAGE, scopeOf, storeConfigOf } from './dkim-options.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, remoteOf } from './remote.ts';
import { withSignet } from './with-signet.ts';

const ROTATE_USAGE = `usage: signet dkim rotate DOMAIN [--output text|json]\n${REMOTE_USAGE}\n${KEY_ZONE_USAGE}
  rotate the domain's DKIM keys now (after a suspected leak, say): the next key signs once DNS has
  served it for the record's TTL, the old one stays published for the retention period; the tokens,
  and so the customer's CNAMEs, do not change`;

/** Each token's key role, length and age, as `rotate` and the doctor print them. */
export function keyRingLines(report: KeyRingReport): string[] {
  const lines = [
    `${report.domain}: next key RSA-${report.nextKeyLength}, last key generated ${report.lastKeyGeneration}${report.rotationPending ? ', rotation pending (the next key signs once DNS has served it for a TTL)' : ''}`,
  ];
  for (const k of report.keys) {
    const since = k.role === 'active' ? ` signing since ${k.activatedAt}` : k.role === 'previous' && k.retiredAt !== null ? ` retired ${k.retiredAt}` : '';
    lines.push(`  ${k.role.padEnd(8)} ${k.token} RSA-${k.bits} published ${k.publishedAt} (${formatAge(k.ageSeconds)} ago)${since}`);
  }
  return lines;
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/**
 * `signet dkim rotate DOMAIN`: a key rotation on demand, on the running server (`/_signet/rotate`,
 * SigV4-signed as `signet ses` signs) when an endpoint is configured, else on the data folder (a
 * server on it picks the change up from the store: its key-ring worker and the zone's change feed).
 */
export const rotateCommand: Command = {
  path: ['dkim', 'rotate'],
  summary: "rotate a domain's DKIM signing key now, behind the same tokens",
  usage: ROTATE_USAGE,
  options: { ...KEY_ZONE_OPTIONS, ...REMOTE_OPTIONS },
  positionals: { min: 1, max: 1, names: 'one DOMAIN' },
  async run(args, env) {
    const domain = args.positionals[0]!;
    const remote = remoteOf(args, env, ROTATE_USAGE);
    let report: KeyRingReport;
    if (remote !== null) report = (await remote.call('rotate', { domain })) as KeyRingReport;
    else {
      const config = storeConfigOf(args, env);
      const dkim = dkimServiceConfig(dkimFlagsFrom(args.values), env);
      report = await withSignet(config, {}, (signet) => rotateDomainKeys(keyRingDeps(signet, dkim), scopeOf(args, config), domain));
    }
    return { output: args.values['output'] === 'json' ? { kind: 'json', value: report, indent: 2 } : { kind: 'lines', lines: keyRingLines(report) } };
  },
};
