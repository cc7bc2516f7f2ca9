import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * The `ToAscii` the core is given: `node:url`'s UTS #46 conversion, plus the check of existing
 * A-labels that Node 24's URL parser (ada) no longer makes: `xn--a.com` came back as '' on Node 20 and
 * 22 but unchanged on 24. An `xn--` label must decode to Unicode (RFC 5891 §5.4: a label that claims
 * to be an A-label is checked by converting it to a U-label); one that does not is no valid name, so
 * '' is returned, as for any name without an ASCII form.
 */
export function toAsciiDomain(name: string): string {
  const ascii = domainToASCII(name);
  if (ascii === '') return '';
  for (const label of ascii.split('.')) {
    if (label.startsWith('xn--') && domainToUnicode(label) === label) return '';
  }
  return ascii;
}
