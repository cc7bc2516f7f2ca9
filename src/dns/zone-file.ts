import { dkimTxtRecordStrings, quoteCharacterStrings } from '../core/index.ts';
import type { PublishedKey } from '../app/detection-ports.ts';
import type { KeyZone } from './key-zone.ts';

/**
 * The key zone in RFC 1035 §5 master-file format, exactly what the DNS server answers: SOA and NS at
 * the apex and one TXT record per token. For operators who serve the zone with their own DNS.
 */
export function renderKeyZoneFile(zone: KeyZone, keys: Iterable<PublishedKey>): string {
  let text = keyZoneFileHead(zone);
  for (const key of keys) text += keyZoneFileRecord(key);
  return text;
}

/** The zone file's first lines: origin, TTL, SOA and NS at the apex, each ended by a newline. */
export function keyZoneFileHead(zone: KeyZone): string {
  const lines = [
    `; Signet DKIM key zone ${zone.name}, exported by \`signet dns export\``,
    `$ORIGIN ${zone.name}.`,
    `$TTL ${zone.ttl}`,
    `@ IN SOA ${zone.nameservers[0]}. ${zone.hostmaster}. ${zone.serial} 3600 600 1209600 ${zone.negativeTtl}`,
    ...zone.nameservers.map((ns) => `@ IN NS ${ns}.`),
  ];
  return `${lines.join('\n')}\n`;
}

/** One key's TXT record line (relative to the origin), ended by a newline. */
export function keyZoneFileRecord(key: PublishedKey): string {
  return `${key.token} IN TXT ${quoteCharacterStrings(dkimTxtRecordStrings(key.publicKey))}\n`;
}

/**
 * The zone file in chunks, a page of keys at a time (`page(after, limit)` as DnsKeyStore.listKeys):
 * memory stays flat however many keys the zone holds (issue 17: at a million domains the whole
 * file is about 1.5 GB, more than a JavaScript string may hold). Records come in the store's order;
 * a zone file's order means nothing to the servers that load it.
 */
export async function* streamKeyZoneFile(
  zone: KeyZone,
  page: (after: number, limit: number) => Promise<{ keys: readonly PublishedKey[]; last: number }>,
  pageSize = 2000,
): AsyncGenerator<string> {
  yield keyZoneFileHead(zone);
  for (let after = 0; ; ) {
    const { keys, last } = await page(after, pageSize);
    if (keys.length === 0) return;
    let chunk = '';
    for (const key of keys) chunk += keyZoneFileRecord(key);
    yield chunk;
    if (keys.length < pageSize) return;
    after = last;
  }
}
