import { dkimFlagsFrom, dkimServiceConfig } from '../config/dkim-config.ts';
import { streamKeyZoneFile } from '../dns/zone-file.ts';
import { keyZoneOf } from '../main/dkim-services.ts';
import { serialOf } from '../dns/zone-transfer.ts';
import type { Command } from './command.ts';
import { KEY_ZONE_OPTIONS, KEY_ZONE_USAGE, storeConfigOf } from './dkim-options.ts';
import { streamWithSignet } from './with-signet.ts';

/** `signet dns export`: the key zone as a BIND zone file on stdout. */
export const dnsExportCommand: Command = {
  path: ['dns', 'export'],
  summary: 'the DKIM key zone as a BIND zone file',
  usage: `usage: signet dns export [--dns-ns NAME]...\n${KEY_ZONE_USAGE}\n  the DKIM key zone as a BIND zone file, for NSD, BIND or Knot`,
  options: KEY_ZONE_OPTIONS,
  async run(args, env) {
    const zone = keyZoneOf(dkimServiceConfig(dkimFlagsFrom(args.values), env));
    // Streamed a page of keys at a time: peak memory stays flat in the number of keys (issue 17). The
    // serial is read before the first page, so any change made during the export has a later serial:
    // a secondary that loads this file and then asks IXFR from its serial replays those changes
    // (adding a record already there or deleting one already gone changes nothing).
    const chunks = streamWithSignet(storeConfigOf(args, env), {}, async function* (signet) {
      const serial = serialOf(await signet.storage.dnsKeys.keyZoneSeq());
      yield* streamKeyZoneFile({ ...zone, serial }, (after, limit) => signet.storage.dnsKeys.listKeys(after, limit));
    });
    return { output: { kind: 'stream', chunks } };
  },
};
