/** Names travel with or without `root.`; inside, they never carry it. */
export function normalizeName(name: string): string {
  return name.startsWith('root.') ? name.slice(5) : name === 'root' ? '' : name;
}

/**
 * Natural order: segment by segment, numbers inside a segment compared as numbers, so `M2` comes
 * before `M10` and lists read the way people count.
 */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant', caseFirst: 'upper' });

/**
 * A group pattern: `Brand`, `Properties.Firmware`, `ImageSource.*.Name`, `MediaClip.M*`. Each `*`
 * matches within one segment. A pattern matches a name that equals it or lies beneath it.
 */
export function patternMatcher(pattern: string): (name: string) => boolean {
  const p = normalizeName(pattern);
  if (!p) return () => true;
  if (!p.includes('*')) return (n) => n === p || n.startsWith(p + '.');
  const segs = p.split('.').map((s) => new RegExp('^' + s.split('*').map(escapeRe).join('[^.]*') + '$'));
  return (n) => {
    const ns = n.split('.');
    if (ns.length < segs.length) return false;
    return segs.every((re, i) => re.test(ns[i]!));
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
