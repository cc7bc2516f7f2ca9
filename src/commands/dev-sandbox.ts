import type { SandboxRecord } from '../app/detection-ports.ts';
import { publishSandboxDkimRecords, unpublishSandboxDkimRecords } from '../app/dev-sandbox-records.ts';
import { dkimZoneFrom } from '../config/dkim-config.ts';
import { stringOption, type Command } from './command.ts';
import { KEY_ZONE_OPTIONS, KEY_ZONE_USAGE, scopeOf, storeConfigOf } from './dkim-options.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, remoteOf } from './remote.ts';
import { withSignet } from './with-signet.ts';

/**
 * `signet dev publish-dkim-records DOMAIN` / `unpublish-dkim-records DOMAIN`: the sandbox zone of
 * `serve --dev`, on the running server (`/_signet/publish-dkim-records`) when an endpoint is
 * configured, else in the data folder's store (which a dev server on that folder reads too).
 */
function sandboxCommand(name: 'publish-dkim-records' | 'unpublish-dkim-records'): Command {
  const publish = name === 'publish-dkim-records';
  const usage = `usage: signet dev ${name} DOMAIN\n${REMOTE_USAGE}\n${KEY_ZONE_USAGE}\n  make a domain's three DKIM CNAMEs ${publish ? 'appear in' : 'vanish from'} the sandbox zone that serve --dev resolves`;
  return {
    path: ['dev', name],
    summary: `make a domain's CNAMEs ${publish ? 'appear in' : 'vanish from'} the sandbox of serve --dev`,
    usage,
    options: { ...KEY_ZONE_OPTIONS, ...REMOTE_OPTIONS },
    positionals: { min: 1, max: 1, names: 'one DOMAIN' },
    async run(args, env) {
      const domain = args.positionals[0]!;
      const remote = remoteOf(args, env, usage);
      let records: readonly SandboxRecord[];
      if (remote !== null) {
        const answer = (await remote.call(name, { domain })) as Record<string, SandboxRecord[] | undefined>;
        records = answer[publish ? 'published' : 'unpublished'] ?? [];
      } else {
        const config = storeConfigOf(args, env);
        const zone = dkimZoneFrom(stringOption(args, 'dkim-zone'), env, true);
        records = await withSignet(config, {}, (signet) =>
          (publish ? publishSandboxDkimRecords : unpublishSandboxDkimRecords)(
            { store: signet.storage.store, sandbox: signet.storage.sandbox, zone, toAscii: signet.ctx.toAscii },
            scopeOf(args, config),
            domain,
          ),
        );
      }
      const verb = publish ? 'published' : 'unpublished';
      return { output: { kind: 'lines', lines: records.map((r) => `${verb} ${r.name}. CNAME ${r.value}.`) } };
    },
  };
}

export const publishCommand = sandboxCommand('publish-dkim-records');
export const unpublishCommand = sandboxCommand('unpublish-dkim-records');
