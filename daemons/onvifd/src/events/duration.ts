/** xsd:duration as ONVIF clients send it (`PT2M`, `PT60S`, `P1DT1H`, `PT0.5S`) → ms; undefined when it is not one. */
export function durationMs(s: string): number | undefined {
  const m = /^P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7}(?:\.\d{1,3})?)S)?)?$/.exec(s.trim());
  if (!m || s.trim() === 'P' || s.trim().endsWith('T')) return undefined;
  const [, d, h, min, sec] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Math.round(Number(sec ?? 0) * 1000);
}

/** A TerminationTime: a duration from now or an absolute xsd:dateTime → epoch ms; undefined when neither. */
export function terminationAt(s: string, now: number): number | undefined {
  const d = durationMs(s);
  if (d !== undefined) return now + d;
  const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(s.trim()) ? Date.parse(s.trim()) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

/** ISO date-time without milliseconds, as the answers carry it. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
