import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** An element with its names resolved: namespace URI and local name, attributes likewise. */
export interface XmlEl {
  ns: string;
  name: string;
  attrs: { ns: string; name: string; value: string }[];
  children: XmlEl[];
  /** the element's own text (entity and character references decoded), children's text excluded */
  text: string;
  /** the prefixes in scope here (prefix → URI; '' = the default namespace), for QNames in text */
  scope: ReadonlyMap<string, string>;
}

/**
 * What a document was refused for: `wellFormed` (not UTF-8 XML, a DOCTYPE or entity declaration, an
 * unbound prefix, several roots) or `tooLarge` (past XML_LIMITS). Each service maps it to its own
 * fault (eventd's and onvifd's SOAP services: `ter:WellFormed`, `ter:MaxLimitReached`).
 */
export class XmlError extends Error {
  constructor(
    readonly kind: 'wellFormed' | 'tooLarge',
    message: string,
  ) {
    super(message);
  }
}

/** Limits of what a request may hold, besides the route's body limit. */
export const XML_LIMITS = { depth: 32, elements: 5000 } as const;

// entity expansion stays off: the parser sees no DTD (refused below) and decodes nothing; the five
// predefined entities and character references are decoded here, and anything else is refused
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Text with its references decoded; an unknown entity (it would need a DTD) is a fault. */
export function decodeRefs(s: string): string {
  return s.replace(/&([^;&\s]{0,10});?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw new XmlError('wellFormed', "a bare '&' in the text");
    if (ref in PREDEFINED) return PREDEFINED[ref]!;
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]{1,7}$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
    if (!Number.isFinite(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0) throw new XmlError('wellFormed', `unknown entity reference '${m.slice(0, 16)}'`);
    return String.fromCodePoint(code);
  });
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

/**
 * Parses a request body into resolved elements. Refused (`XmlError`): a body that is not UTF-8
 * XML, a DOCTYPE or entity declaration (no DTD is ever read, so no entity bomb and no external
 * entity can be), more than one root, an unbound prefix, and past XML_LIMITS.
 */
export function parseXml(body: Buffer): XmlEl {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new XmlError('wellFormed', 'the body is not UTF-8');
  }
  if (!text.trim()) throw new XmlError('wellFormed', 'the body is empty: a SOAP envelope is expected');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('wellFormed', 'a document type or entity declaration is not allowed');
  const v = XMLValidator.validate(text);
  if (v !== true) throw new XmlError('wellFormed', `the body is not XML: ${v.err.msg} (line ${v.err.line})`);
  const roots = (parser.parse(text) as Node[]).filter((n) => elementName(n));
  if (roots.length !== 1) throw new XmlError('wellFormed', roots.length ? 'more than one root element' : 'the body is not XML: no root element');
  const count = { n: 0 };
  return resolve(roots[0]!, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), 0, count);
}

function elementName(n: Node): string | undefined {
  return Object.keys(n).find((k) => k !== ':@' && !k.startsWith('#'));
}

function split(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function resolve(n: Node, outer: ReadonlyMap<string, string>, depth: number, count: { n: number }): XmlEl {
  if (depth >= XML_LIMITS.depth) throw new XmlError('tooLarge', `elements nested deeper than ${XML_LIMITS.depth}`);
  if (++count.n > XML_LIMITS.elements) throw new XmlError('tooLarge', `more than ${XML_LIMITS.elements} elements`);
  const qname = elementName(n)!;
  const raw = n[':@'] ?? {};
  const scope = new Map(outer);
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'xmlns') scope.set('', decodeRefs(v));
    else if (k.startsWith('xmlns:')) scope.set(k.slice(6), decodeRefs(v));
  }
  const uri = (prefix: string, isAttr: boolean): string => {
    if (!prefix) return isAttr ? '' : (scope.get('') ?? '');
    const u = scope.get(prefix);
    if (u === undefined) throw new XmlError('wellFormed', `the prefix '${prefix}' is not declared`);
    return u;
  };
  const [p, local] = split(qname);
  const attrs = Object.entries(raw)
    .filter(([k]) => k !== 'xmlns' && !k.startsWith('xmlns:'))
    .map(([k, v]) => {
      const [ap, an] = split(k);
      return { ns: uri(ap, true), name: an, value: decodeRefs(v) };
    });
  const children: XmlEl[] = [];
  let text = '';
  for (const c of (n[qname] as Node[]) ?? []) {
    if ('#text' in c) text += decodeRefs(String(c['#text']));
    else if ('#cdata' in c) text += ((c['#cdata'] as Node[]) ?? []).map((t) => String(t['#text'] ?? '')).join('');
    else if (elementName(c)) children.push(resolve(c, scope, depth + 1, count));
  }
  return { ns: uri(p, false), name: local, attrs, children, text, scope };
}

/** The child elements named `name` in namespace `ns` (`undefined` = any namespace). */
export function childrenOf(el: XmlEl, name: string, ns?: string): XmlEl[] {
  return el.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** An attribute's value by local name (unqualified attributes, as the services use). */
export function attrOf(el: XmlEl, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name && a.ns === '')?.value;
}

/** Text or an attribute value, escaped (controls other than tab and newlines dropped: XML 1.0 cannot carry them). */
export function esc(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** An element: `attrs` values escaped, `inner` already XML (joined), self-closed when empty. */
export function el(name: string, attrs: Record<string, string | undefined> = {}, ...inner: string[]): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(v!)}"`)
    .join('');
  const body = inner.join('');
  return body ? `<${name}${a}>${body}</${name}>` : `<${name}${a}/>`;
}

/** An element holding text. */
export function textEl(name: string, text: string): string {
  return `<${name}>${esc(text)}</${name}>`;
}
