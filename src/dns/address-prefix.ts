/**
 * The network prefix of a client address, as a Map key: what the DNS server counts clients by (TCP
 * connections per client, response-rate limiting per source). One host of IPv4 is one address, but
 * one host or site of IPv6 owns at least a /64 (RFC 6177, RFC 7421): counting IPv6 clients by full
 * address would let one of them open a fresh "client" per address.
 *
 * IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack socket reports) count as IPv4.
 * An address that cannot be read is its own key (Node hands us well-formed ones; never throws).
 */
export function addressPrefix(address: string, ipv4Bits: number, ipv6Bits: number): string {
  const v4 = ipv4Number(address);
  if (v4 !== null) return ipv4Key(v4, ipv4Bits);
  const hextets = ipv6Hextets(address);
  if (hextets === null) return address;
  // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) is an IPv4 client on a dual-stack socket.
  if (hextets[0] === 0 && hextets[1] === 0 && hextets[2] === 0 && hextets[3] === 0 && hextets[4] === 0 && hextets[5] === 0xffff) {
    return ipv4Key(((hextets[6]! << 16) | hextets[7]!) >>> 0, ipv4Bits);
  }
  const parts: string[] = [];
  for (let i = 0, bits = ipv6Bits; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    parts.push((hextets[i]! & mask).toString(16));
  }
  return `6/${ipv6Bits}:${parts.join(':')}`;
}

function ipv4Key(value: number, bits: number): string {
  const mask = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return `4/${bits}:${(value & mask) >>> 0}`;
}

/** A dotted-quad IPv4 address as a 32-bit number, or null. Character by character: this runs per packet. */
export function ipv4Number(text: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + (c - 0x30);
      if (++digits > 3 || octet > 255) return null;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0) return null;
  return value * 256 + octet;
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms, zone index ignored), or null. */
export function ipv6Hextets(address: string): number[] | null {
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return null;
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 address ends the text: as its two groups.
    const v4 = ipv4Number(last);
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const out: number[] = [];
  for (const group of groups) {
    if (!HEXTET.test(group)) return null;
    out.push(parseInt(group, 16));
  }
  return out;
}
