import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Text for an XML element or attribute. */
export function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

// entities stay off and a DTD is refused before parsing, so no entity bomb or external entity can be;
// prefixes are dropped: WS-Discovery clients spell them every way (none, `d:`, `dp0:`, `wsd:`)
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const MAX_DEPTH = 16;

/** A parsed document (local names), or undefined for anything not well-formed, with a DTD, or too deep. */
export function parseLoose(text: string): Record<string, unknown> | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return undefined;
  if (depth(text) > MAX_DEPTH) return undefined;
  if (XMLValidator.validate(text) !== true) return undefined;
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** An upper bound of element nesting, counted before the parser sees the text. */
function depth(text: string): number {
  let d = 0;
  let max = 0;
  for (const m of text.matchAll(/<(\/?)[^>]*?(\/?)>/g)) {
    if (m[0].startsWith('<?') || m[0].startsWith('<!')) continue;
    if (m[1]) d--;
    else if (!m[2]) max = Math.max(max, ++d);
  }
  return max;
}

/** The child `name` of a parsed element (the first, if repeated). */
export function child(el: unknown, name: string): unknown {
  if (typeof el !== 'object' || el === null) return undefined;
  const v = (el as Record<string, unknown>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The text of a parsed element: '' for an empty one, undefined when absent or not text. */
export function text(el: unknown): string | undefined {
  if (typeof el === 'string') return el.trim();
  if (typeof el === 'object' && el !== null && typeof (el as Record<string, unknown>)['#text'] === 'string') return ((el as Record<string, unknown>)['#text'] as string).trim();
  if (el === '' || (typeof el === 'object' && el !== null && Object.keys(el).length === 0)) return '';
  return undefined;
}
