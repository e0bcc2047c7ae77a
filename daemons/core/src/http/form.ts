/** Most form arguments accepted in one request. */
export const MAX_FORM_ARGS = 2000;

/**
 * Form arguments in order, and the first thing wrong with the input (`problem`): a CGI that must not
 * act on a request it could not read exactly (param.cgi) refuses it when `problem` is set.
 */
export class FormArgs extends Map<string, string> {
  problem?: string;
}

/** What a name may not contain: whitespace, control and format characters (a name is never trimmed). */
const BAD_NAME = /[\s\p{Cc}\p{Cf}]/u;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/**
 * VAPIX form arguments (§1.5): the query string and a urlencoded body, whatever its Content-Type,
 * merged; `+` is a space; percent-escapes are bytes of UTF-8 (malformed escapes are kept literally).
 * Repeated keys: the last one wins, so the body wins over the query string (Belfry's one rule, in the
 * README); order is that of the last occurrence (param.cgi reports the first failing name).
 * Refused (left out, `problem` says why): names with whitespace or control characters, and text that
 * is not UTF-8 (kept as U+FFFD, never read as Latin-1). Never throws.
 */
export function parseForm(rawUrl: string, body: Buffer | string | undefined): FormArgs {
  const out = new FormArgs();
  const q = rawUrl.indexOf('?');
  // Node hands the request line over byte for byte (latin1): each char is one byte
  if (q >= 0) addPairs(out, rawUrl.slice(q + 1));
  if (body !== undefined && body.length) addPairs(out, (typeof body === 'string' ? Buffer.from(body, 'utf8') : body).toString('latin1'));
  return out;
}

function addPairs(out: FormArgs, s: string): void {
  for (const part of s.split('&')) {
    if (!part) continue;
    if (out.size >= MAX_FORM_ARGS) return;
    const eq = part.indexOf('=');
    const k = decode(out, eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decode(out, part.slice(eq + 1));
    if (!k) continue;
    if (BAD_NAME.test(k)) {
      out.problem ??= `the name '${escapeEcho(k)}' contains whitespace or a control character`;
      continue;
    }
    out.delete(k); // keep insertion order of the last occurrence
    out.set(k, v.replace(/\r?\n$/, ''));
  }
}

/** `+` and `%XX` to bytes (a broken escape stays as its characters), then UTF-8. */
function decode(out: FormArgs, s: string): string {
  if (!/[%+\u0080-\u00ff]/.test(s)) return s;
  const bytes = Buffer.from(s.replace(/\+/g, ' '), 'latin1');
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const h = bytes[i] === 0x25 && i + 2 < bytes.length ? hex(bytes[i + 1]!, bytes[i + 2]!) : -1;
    if (h >= 0) {
      bytes[n++] = h;
      i += 2;
    } else bytes[n++] = bytes[i]!;
  }
  const raw = bytes.subarray(0, n);
  try {
    return utf8.decode(raw);
  } catch {
    out.problem ??= 'the arguments are not UTF-8';
    return lenient.decode(raw);
  }
}

function hex(a: number, b: number): number {
  const d = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);
  const x = d(a);
  const y = d(b);
  return x < 0 || y < 0 ? -1 : x * 16 + y;
}

/** Characters an echo escapes: `%` itself, the quotes around echoes, controls, format characters, line and paragraph separators. */
const ESCAPED = /[%'\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Client text echoed in an answer (`# Error: Error setting '<name>' to '<value>'!`): those characters
 * percent-encoded as UTF-8 (`a\nb` → `a%0Ab`, `50%` → `50%25`), so an echo is always one line that
 * cannot forge another parameter or close its quotes, and decodes back to exactly what was sent.
 */
export function escapeEcho(s: string): string {
  return s.replace(ESCAPED, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}
