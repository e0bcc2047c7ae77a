/**
 * A password's strength, 0–4: length counts most, then the kinds of characters; a password that
 * is one character repeated or a plain run (`12345`, `abcde`) scores 0.
 */
export function strength(pw: string): 0 | 1 | 2 | 3 | 4 {
  if (pw.length < 6 || /^(.)\1*$/.test(pw) || '0123456789abcdefghijklmnopqrstuvwxyz'.includes(pw.toLowerCase())) return 0;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  let s = pw.length >= 16 ? 3 : pw.length >= 12 ? 2 : pw.length >= 8 ? 1 : 0;
  if (kinds >= 3) s++;
  if (kinds === 4 && pw.length >= 10) s++;
  return Math.min(4, s) as 0 | 1 | 2 | 3 | 4;
}
