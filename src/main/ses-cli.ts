import type { Env } from '../config/config.ts';
import { coreConfig } from '../config/config.ts';
import { openEmbedded } from './embedded.ts';

/**
 * Interim `signet ses verify-domain-dkim --domain D` on the embedded store (JSON output only); the
 * full AWS-CLI-compatible command line replaces it.
 */
export async function runSesCli(argv: readonly string[], env: Env): Promise<number> {
  const [, operation, ...rest] = argv;
  const domainAt = rest.indexOf('--domain');
  if (operation !== 'verify-domain-dkim' || domainAt === -1 || rest[domainAt + 1] === undefined) {
    process.stderr.write('usage: signet ses verify-domain-dkim --domain DOMAIN\n');
    return 252;
  }
  const embedded = await openEmbedded(coreConfig({}, env), { poolTarget: 0, poolConcurrency: 2 });
  try {
    const body = Buffer.from(`Action=VerifyDomainDkim&Version=2010-12-01&Domain=${encodeURIComponent(rest[domainAt + 1]!)}`);
    const response = await embedded.handler({ method: 'POST', headers: {}, body });
    const tokens = [...response.body.matchAll(/<member>([^<]*)<\/member>/g)].map((m) => m[1]);
    if (response.status !== 200) {
      process.stderr.write(`\n${response.body}\n`);
      return 254;
    }
    process.stdout.write(`${JSON.stringify({ DkimTokens: tokens }, null, 4)}\n`);
    return 0;
  } finally {
    await embedded.close();
  }
}
