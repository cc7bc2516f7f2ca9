import { dkimFlagsFrom, dkimServiceConfig } from '../config/dkim-config.ts';
import { renderKeyZoneFile } from '../dns/zone-file.ts';
import { keyZoneOf } from '../main/dkim-services.ts';
import { serialOf } from '../dns/zone-transfer.ts';
import type { Command } from './command.ts';
import { KEY_ZONE_OPTIONS, KEY_ZONE_USAGE, storeConfigOf } from './dkim-options.ts';
import { withSignet } from './with-signet.ts';

/** `signet dns export`: the key zone as a BIND zone file on stdout. */
export const dnsExportCommand: Command = {
  path: ['dns', 'export'],
  summary: 'the DKIM key zone as a BIND zone file',
  usage: `usage: signet dns export [--dns-ns NAME]...\n${KEY_ZONE_USAGE}\n  the DKIM key zone as a BIND zone file, for NSD, BIND or Knot`,
  options: KEY_ZONE_OPTIONS,
  async run(args, env) {
    const zone = keyZoneOf(dkimServiceConfig(dkimFlagsFrom(args.values), env));
    // One consistent read, and the serial the DNS server and zone transfers give the same zone.
    const text = await withSignet(storeConfigOf(args, env), {}, async (signet) => {
      const snapshot = await signet.storage.dnsKeys.keyZoneSnapshot();
      return renderKeyZoneFile({ ...zone, serial: serialOf(snapshot.seq) }, snapshot.keys);
    });
    return { output: { kind: 'bytes', bytes: Buffer.from(text, 'utf8') } };
  },
};
