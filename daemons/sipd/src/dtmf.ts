/** A DTMF sequence from params (`SIP.DTMF.D<n>`): digits, the description rules select, accounts. */
export interface DtmfSequence {
  sequence: string;
  description: string;
  /** account ids; empty = every account */
  accounts: string[];
}

/** The longest sequence kept per call (the params allow 32 digits). */
export const MAX_DIGITS = 32;
export const DIGIT_RE = /^[0-9A-D#*]$/;

/** Reads the digit of a SIP INFO body (application/dtmf-relay `Signal=5`, or application/dtmf `5`). */
export function infoDigit(contentType: string, body: string): string | undefined {
  const ct = contentType.toLowerCase();
  let d: string | undefined;
  if (ct.startsWith('application/dtmf-relay')) d = /^\s*Signal\s*=\s*(\S)/im.exec(body)?.[1];
  else if (ct.startsWith('application/dtmf')) d = body.trim().slice(0, 1);
  d = d?.toUpperCase();
  return d && DIGIT_RE.test(d) ? d : undefined;
}

/**
 * The digits of one call so far; each new digit is checked against the sequences: every sequence
 * the digits now end with matches (so "1" and "21" both fire on "…21").
 */
export class DtmfMatcher {
  private digits = '';

  push(digit: string, sequences: DtmfSequence[], accountId: string): DtmfSequence[] {
    if (!DIGIT_RE.test(digit)) return [];
    this.digits = (this.digits + digit).slice(-MAX_DIGITS);
    return sequences.filter((s) => s.sequence && this.digits.endsWith(s.sequence) && (!s.accounts.length || s.accounts.includes(accountId)));
  }
}

/** The sequences from the params of the `SIP.DTMF` group. */
export function sequencesFromParams(values: Record<string, string>): DtmfSequence[] {
  const byIndex = new Map<string, Partial<Record<string, string>>>();
  for (const [name, v] of Object.entries(values)) {
    const m = /^(?:root\.)?SIP\.DTMF\.(D\d+)\.(\w+)$/.exec(name);
    if (!m) continue;
    const e = byIndex.get(m[1]!) ?? {};
    e[m[2]!] = v;
    byIndex.set(m[1]!, e);
  }
  return [...byIndex.values()].map((e) => ({ sequence: e.Sequence ?? '', description: e.Description ?? '', accounts: (e.Accounts ?? '').split(',').filter(Boolean) }));
}
