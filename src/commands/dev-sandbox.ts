import { publishSandboxDkimRecords, unpublishSandboxDkimRecords } from '../app/dev-sandbox-records.ts';
import { dkimZoneFrom } from '../config/dkim-config.ts';
import { stringOption, type Command } from './command.ts';
import { KEY_ZONE_OPTIONS, KEY_ZONE_USAGE, scopeOf, storeConfigOf } from './dkim-options.ts';
import { withSignet } from './with-signet.ts';

/** `signet dev publish-dkim-records DOMAIN` / `unpublish-dkim-records DOMAIN`: the sandbox zone of `serve --dev`. */
function sandboxCommand(name: 'publish-dkim-records' | 'unpublish-dkim-records'): Command {
  const publish = name === 'publish-dkim-records';
  return {
    path: ['dev', name],
    summary: `make a domain's CNAMEs ${publish ? 'appear in' : 'vanish from'} the sandbox of serve --dev`,
    usage: `usage: signet dev ${name} DOMAIN\n${KEY_ZONE_USAGE}\n  make a domain's three DKIM CNAMEs ${publish ? 'appear in' : 'vanish from'} the sandbox zone that serve --dev resolves`,
    options: KEY_ZONE_OPTIONS,
    positionals: { min: 1, max: 1, names: 'one DOMAIN' },
    async run(args, env) {
      const config = storeConfigOf(args, env);
      const zone = dkimZoneFrom(stringOption(args, 'dkim-zone'), env, true);
      const records = await withSignet(config, {}, (signet) =>
        (publish ? publishSandboxDkimRecords : unpublishSandboxDkimRecords)(
          { store: signet.storage.store, sandbox: signet.storage.sandbox, zone, toAscii: signet.ctx.toAscii },
          scopeOf(args, config),
          args.positionals[0]!,
        ),
      );
      const verb = publish ? 'published' : 'unpublished';
      return { output: { kind: 'lines', lines: records.map((r) => `${verb} ${r.name}. CNAME ${r.value}.`) } };
    },
  };
}

export const publishCommand = sandboxCommand('publish-dkim-records');
export const unpublishCommand = sandboxCommand('unpublish-dkim-records');
