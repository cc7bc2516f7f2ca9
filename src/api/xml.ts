export const SES_XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';

/**
 * Escapes text for an XML element. Characters XML 1.0 cannot carry at all (most C0 controls, lone
 * surrogates, U+FFFE/U+FFFF; XML 1.0 §2.2) are written as `\uXXXX` text, so that an error message that
 * echoes hostile input still parses in botocore's expat.
 */
export function escapeXml(text: string): string {
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

/** A node of a response document: text, a list of nodes, or named children in order. */
export type XmlValue = string | number | boolean | XmlElement[] | null;
export interface XmlElement {
  readonly name: string;
  readonly value: XmlValue;
}

export function el(name: string, value: XmlValue): XmlElement {
  return { name, value };
}

export function renderXml(nodes: readonly XmlElement[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.value === null) out += `<${node.name}/>`;
    else if (Array.isArray(node.value)) {
      out += node.value.length === 0 ? `<${node.name}/>` : `<${node.name}>${renderXml(node.value)}</${node.name}>`;
    } else out += `<${node.name}>${escapeXml(String(node.value))}</${node.name}>`;
  }
  return out;
}

/** A list of strings as SES writes it: `<member>` items. */
export function members(values: readonly string[]): XmlElement[] {
  return values.map((v) => el('member', v));
}

/** A map as SES writes it: `<entry><key>…</key><value>…</value></entry>` (botocore requires these tags). */
export function entries(map: ReadonlyMap<string, XmlElement[]>): XmlElement[] {
  return [...map].map(([key, value]) => el('entry', [el('key', key), el('value', value)]));
}

/**
 * The success envelope. `result` null means the operation has no output shape (VerifyEmailAddress);
 * an empty array still writes `<ActionResult/>`, which botocore requires for empty outputs.
 */
export function successEnvelope(action: string, result: XmlElement[] | null, requestId: string): string {
  const body = result === null ? '' : renderXml([el(`${action}Result`, result)]);
  return `<${action}Response xmlns="${SES_XMLNS}">${body}` + `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

/** The error envelope; RequestId sits under the root here, not in ResponseMetadata. */
export function errorEnvelope(type: string, code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${SES_XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
