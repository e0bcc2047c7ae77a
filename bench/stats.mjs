// Small statistics helpers shared by bench/run.mjs and the TypeScript benchmark processes.

/** Nearest-rank percentile of an ascending array. */
export function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** p50/p90/p99/max/mean of latency samples (same unit in and out). */
export function latency(samples, digits = 3) {
  const s = Float64Array.from(samples).sort();
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    p50: round(pct(s, 50), digits),
    p90: round(pct(s, 90), digits),
    p99: round(pct(s, 99), digits),
    max: round(s[s.length - 1] ?? NaN, digits),
    mean: round(mean, digits),
  };
}

export function median(values) {
  return pct(Float64Array.from(values).sort(), 50);
}
