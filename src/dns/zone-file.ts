import { dkimTxtRecordStrings, quoteCharacterStrings } from '../core/index.ts';
import type { PublishedKey } from '../app/detection-ports.ts';
import type { KeyZone } from './key-zone.ts';

/**
 * The key zone in RFC 1035 §5 master-file format, exactly what the DNS server answers: SOA and NS at
 * the apex and one TXT record per token. For operators who serve the zone with their own DNS.
 */
export function renderKeyZoneFile(zone: KeyZone, keys: Iterable<PublishedKey>): string {
  const lines = [
    `; Signet DKIM key zone ${zone.name}, exported by \`signet dns export\``,
    `$ORIGIN ${zone.name}.`,
    `$TTL ${zone.ttl}`,
    `@ IN SOA ${zone.nameservers[0]}. ${zone.hostmaster}. ${zone.serial} 3600 600 1209600 ${zone.negativeTtl}`,
    ...zone.nameservers.map((ns) => `@ IN NS ${ns}.`),
  ];
  for (const key of keys) lines.push(`${key.token} IN TXT ${quoteCharacterStrings(dkimTxtRecordStrings(key.publicKey))}`);
  return `${lines.join('\n')}\n`;
}
