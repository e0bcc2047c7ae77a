/** Most form arguments accepted in one request. */
export const MAX_FORM_ARGS = 2000;

export type FormArgs = Map<string, string>;

/**
 * VAPIX form arguments (§1.5): the query string and a urlencoded body, whatever its Content-Type,
 * merged (body wins); `+` is a space; the last of repeated keys wins. Order is kept (param.cgi updates
 * report the first failing name). Malformed percent-escapes are kept literally rather than refused,
 * as lenient servers do. Never throws.
 */
export function parseForm(rawUrl: string, body: Buffer | string | undefined): FormArgs {
  const out: FormArgs = new Map();
  const q = rawUrl.indexOf('?');
  if (q >= 0) addPairs(out, rawUrl.slice(q + 1));
  if (body !== undefined && body.length) addPairs(out, typeof body === 'string' ? body : body.toString('latin1'));
  return out;
}

function addPairs(out: FormArgs, s: string): void {
  for (const part of s.split('&')) {
    if (!part) continue;
    if (out.size >= MAX_FORM_ARGS) return;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq)).trim();
    const v = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (!k) continue;
    out.delete(k); // keep insertion order of the last occurrence
    out.set(k, v.replace(/\r?\n$/, ''));
  }
}

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // decode what can be decoded, byte by byte, and keep broken escapes as they are
    return plus.replace(/(%[0-9A-Fa-f]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return Buffer.from(m.split('%').slice(1).map((x) => parseInt(x, 16))).toString('latin1');
      }
    });
  }
}
