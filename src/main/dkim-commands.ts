import { parseArgs } from 'node:util';
import { dkimDoctor, type DoctorReport } from '../app/dkim-doctor.ts';
import { publishSandboxDkimRecords, unpublishSandboxDkimRecords } from '../app/dev-sandbox-records.ts';
import type { SandboxRecord } from '../app/detection-ports.ts';
import { coreConfig, ConfigError, type Env } from '../config/config.ts';
import { DKIM_OPTIONS, dkimFlagsFrom, dkimServiceConfig, dkimZoneFrom } from '../config/dkim-config.ts';
import { isDomainError, type Scope } from '../core/index.ts';
import { renderKeyZoneFile } from '../dns/zone-file.ts';
import { detectionResolver, keyZoneOf, openDkimStores } from './dkim-services.ts';
import { openEmbedded, type Embedded } from './embedded.ts';

const COMMON_OPTIONS = {
  ...DKIM_OPTIONS,
  'data-dir': { type: 'string' },
  region: { type: 'string' },
  output: { type: 'string' },
} as const;

export const DKIM_COMMANDS_USAGE = `usage: signet dkim doctor DOMAIN [--dkim-zone ZONE | --dev] [--resolver IP[:PORT]]... [--output text|json]
       signet dns export [--dkim-zone ZONE | --dev] [--dns-ns NAME]...
       signet dev publish-dkim-records DOMAIN | unpublish-dkim-records DOMAIN
common: [--data-dir DIR] [--region REGION]`;

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: COMMON_OPTIONS, strict: true, allowPositionals: true });
}

async function withEmbedded<T>(dataDir: string | undefined, env: Env, work: (embedded: Embedded, scopeOf: (region?: string) => Scope) => Promise<T>): Promise<T> {
  const core = coreConfig({ dataDir }, env);
  const embedded = await openEmbedded(core, { poolTarget: 0, poolConcurrency: 1, auth: 'local' });
  try {
    return await work(embedded, (region) => ({ accountId: core.accountId, region: region || core.defaultRegion }));
  } finally {
    await embedded.close();
  }
}

function oneDomain(positionals: readonly string[], usage: string): string {
  if (positionals.length !== 1) throw new ConfigError(`expected one DOMAIN\n${usage}`);
  return positionals[0]!;
}

/** Doctor verdicts in words, as a person reads them. */
const VERDICT_TEXT: Readonly<Record<string, string>> = {
  ok: 'ok',
  missing: 'missing',
  points_elsewhere: 'points elsewhere',
  domain_appended_twice: 'domain appended twice',
  txt_instead_of_cname: 'TXT record where the CNAME belongs',
  resolver_error: 'resolver error (no verdict)',
};

export function renderDoctorText(report: DoctorReport): string {
  const lines = [`${report.domain}: DKIM ${report.dkimStatus}, verification ${report.verificationStatus}`, ''];
  for (const r of report.records) {
    lines.push(`${VERDICT_TEXT[r.verdict] ?? r.verdict}: ${r.name}`);
    lines.push(`    expected CNAME ${r.target}`);
    lines.push(`    DNS answered   ${r.observed}`);
  }
  lines.push('', 'Records to publish (zone-file lines):', ...report.records.map((r) => r.zoneLine));
  return `${lines.join('\n')}\n`;
}

/** `signet dkim doctor DOMAIN`: exit 0 when every record is right, 1 otherwise. */
export async function runDkimCommand(argv: readonly string[], env: Env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'doctor') throw new ConfigError(DKIM_COMMANDS_USAGE);
  const { values, positionals } = parse(rest);
  const domain = oneDomain(positionals, DKIM_COMMANDS_USAGE);
  const dkim = dkimServiceConfig(dkimFlagsFrom(values), env);
  return withEmbedded(values['data-dir'], env, async (embedded, scopeOf) => {
    try {
      const resolver = detectionResolver(dkim, openDkimStores(embedded));
      const report = await dkimDoctor({ store: embedded.store, resolver, zone: dkim.zone, toAscii: embedded.ctx.toAscii }, scopeOf(values.region), domain);
      process.stdout.write(values.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderDoctorText(report));
      return report.healthy ? 0 : 1;
    } catch (err) {
      if (!isDomainError(err)) throw err;
      process.stderr.write(`signet: ${err.message}\n`);
      return 1;
    }
  });
}

/** `signet dns export`: the key zone as a BIND zone file on stdout. */
export async function runDnsCommand(argv: readonly string[], env: Env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'export') throw new ConfigError(DKIM_COMMANDS_USAGE);
  const { values } = parse(rest);
  const zone = keyZoneOf(dkimServiceConfig(dkimFlagsFrom(values), env));
  return withEmbedded(values['data-dir'], env, async (embedded) => {
    process.stdout.write(renderKeyZoneFile(zone, await openDkimStores(embedded).dnsKeys.listKeys()));
    return 0;
  });
}

/** `signet dev publish-dkim-records DOMAIN` / `unpublish-dkim-records DOMAIN`: the sandbox zone of `serve --dev`. */
export async function runDevCommand(argv: readonly string[], env: Env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'publish-dkim-records' && sub !== 'unpublish-dkim-records') throw new ConfigError(DKIM_COMMANDS_USAGE);
  const { values, positionals } = parse(rest);
  const domain = oneDomain(positionals, DKIM_COMMANDS_USAGE);
  const zone = dkimZoneFrom(values['dkim-zone'], env, true);
  return withEmbedded(values['data-dir'], env, async (embedded, scopeOf) => {
    const deps = { store: embedded.store, sandbox: openDkimStores(embedded).sandbox, zone, toAscii: embedded.ctx.toAscii };
    let records: SandboxRecord[];
    try {
      const run = sub === 'publish-dkim-records' ? publishSandboxDkimRecords : unpublishSandboxDkimRecords;
      records = await run(deps, scopeOf(values.region), domain);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      process.stderr.write(`signet: ${err.message}\n`);
      return 1;
    }
    const verb = sub === 'publish-dkim-records' ? 'published' : 'unpublished';
    for (const r of records) process.stdout.write(`${verb} ${r.name}. CNAME ${r.value}.\n`);
    return 0;
  });
}
