// The UI's texts by key, with `{name}` placeholders; English is the only language so far.
import { en, type Key } from './en.js';

export type { Key };
type Dictionary = Record<Key, string>;
const LANGUAGES: Record<string, Dictionary> = { en };
let current: Dictionary = en;

export function setLanguage(code: string): void {
  current = LANGUAGES[code] ?? en;
  document.documentElement.lang = LANGUAGES[code] ? code : 'en';
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return current[key].replace(/\{(\w+)\}/g, (_m, v: string) => String(vars[v] ?? `{${v}}`));
}

export function bytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} kB` : `${n} B`;
}

export function duration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [d ? `${d} d` : '', h ? `${h} h` : '', `${m} min`].filter(Boolean).join(' ');
}
