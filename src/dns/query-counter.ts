/**
 * Answers counted by query type and RCODE for `/metrics`, read from the reply's own bytes (the
 * question is echoed in it, RFC 1035 4.1.1/4.1.2) so the fast path pays a label walk and a map
 * update, no decode. Replies whose question cannot be walked (FORMERR to garbage) count as type 0.
 */
export class DnsQueryCounter {
  readonly #counts = new Map<number, number>();

  count(reply: Buffer): void {
    if (reply.length < 12) return;
    const rcode = reply[3]! & 0x0f;
    let type = 0;
    if (reply.readUInt16BE(4) > 0) {
      let at = 12;
      while (at < reply.length && reply[at] !== 0) at += reply[at]! + 1;
      if (at + 2 < reply.length) type = reply.readUInt16BE(at + 1);
    }
    const key = (type << 4) | rcode;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Each (type, rcode) seen and its count, type and rcode by their mnemonic where common. */
  entries(): Array<{ type: string; rcode: string; count: number }> {
    return [...this.#counts].map(([key, count]) => ({ type: typeName(key >> 4), rcode: RCODES[key & 0x0f] ?? String(key & 0x0f), count }));
  }
}

const TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 15: 'MX', 16: 'TXT', 28: 'AAAA', 252: 'AXFR', 251: 'IXFR', 255: 'ANY' };
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

function typeName(type: number): string {
  return TYPES[type] ?? (type === 0 ? 'unknown' : `TYPE${type}`);
}
