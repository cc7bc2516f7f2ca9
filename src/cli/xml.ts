/**
 * A small, strict-enough XML reader for Query-protocol responses: elements, attributes, text, the
 * five entities and character references, CDATA, comments, processing instructions. Namespaces are
 * dropped from names as botocore does. Errors carry expat-like `line, column` text.
 */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const fail = (kind: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const col = i - (before.lastIndexOf('\n') + 1);
    throw new XmlSyntaxError(`${kind}: line ${line}, column ${col}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i);
        if (end === -1) fail('unclosed token');
        i = end + 2;
      } else if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end === -1) fail('unclosed token');
        i = end + 3;
      } else return;
    }
  };
  const decode = (s: string): string =>
    s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_m, e: string) => {
      if (e === 'amp') return '&';
      if (e === 'lt') return '<';
      if (e === 'gt') return '>';
      if (e === 'quot') return '"';
      if (e === 'apos') return "'";
      return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    });
  const nameRe = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
  const readElement = (): XmlElement => {
    if (text[i] !== '<') fail('syntax error');
    i++;
    nameRe.lastIndex = i;
    const m = nameRe.exec(text);
    if (!m) fail(i === 1 ? 'syntax error' : 'not well-formed (invalid token)');
    const qname = m![0];
    i += qname.length;
    const local = qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname;
    const el: XmlElement = { name: local, children: [], text: '' };
    // attributes
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      nameRe.lastIndex = i;
      const a = nameRe.exec(text);
      if (!a) fail('not well-formed (invalid token)');
      i += a![0].length;
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] !== '=') fail('not well-formed (invalid token)');
      i++;
      while (/\s/.test(text[i] ?? '')) i++;
      const q = text[i];
      if (q !== '"' && q !== "'") fail('not well-formed (invalid token)');
      const end = text.indexOf(q!, i + 1);
      if (end === -1) fail('unclosed token');
      i = end + 1;
    }
    let textParts = '';
    for (;;) {
      if (i >= text.length) fail('no element found');
      if (text.startsWith('</', i)) {
        i += 2;
        nameRe.lastIndex = i;
        const c = nameRe.exec(text);
        if (!c || c[0] !== qname) fail('mismatched tag');
        i += c![0].length;
        while (/\s/.test(text[i] ?? '')) i++;
        if (text[i] !== '>') fail('not well-formed (invalid token)');
        i++;
        el.text = textParts;
        return el;
      }
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end === -1) fail('unclosed token');
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', i)) {
        const end = text.indexOf(']]>', i);
        if (end === -1) fail('unclosed CDATA section');
        textParts += text.slice(i + 9, end);
        i = end + 3;
      } else if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i);
        if (end === -1) fail('unclosed token');
        i = end + 2;
      } else if (text[i] === '<') {
        el.children.push(readElement());
      } else {
        const next = text.indexOf('<', i);
        const chunk = text.slice(i, next === -1 ? text.length : next);
        textParts += decode(chunk);
        i = next === -1 ? text.length : next;
      }
    }
  };
  skipMisc();
  if (i >= text.length) fail('no element found');
  if (text[i] !== '<' || !/[A-Za-z_:]/.test(text[i + 1] ?? '')) {
    i = 0;
    fail('syntax error');
  }
  const root = readElement();
  skipMisc();
  if (i < text.length) fail('junk after document element');
  return root;
}
