export const SES_XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';

/** Any character escapeXml rewrites (surrogates, paired or not, go the slow way, which tells them apart). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it looks for.
const NEEDS_ESCAPE = /[&<>"\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/**
 * Escapes text for an XML element. Characters XML 1.0 cannot carry at all (most C0 controls, lone
 * surrogates, U+FFFE/U+FFFF; XML 1.0 §2.2) are written as `\uXXXX` text, so that an error message that
 * echoes hostile input still parses in botocore's expat.
 */
export function escapeXml(text: string): string {
  // Most values (names, tokens, statuses) need nothing: one native scan answers for them.
  if (!NEEDS_ESCAPE.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === '\r') out += '&#13;';
    else if ((cp < 0x20 && cp !== 0x09 && cp !== 0x0a) || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffe || cp === 0xffff) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/** The error envelope; RequestId sits under the root here, not in ResponseMetadata. */
export function errorEnvelope(type: string, code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${SES_XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
