import { BelfryError } from './errors.js';
import { SETTING_DEFS, type Settings } from './settings-defs.gen.js';

export type { Settings } from './settings-defs.gen.js';
export { SETTING_DEFS } from './settings-defs.gen.js';

/** A group of static params with typed settings (the first level of a param name: `Audio`, `HTTPS`…). */
export type SettingsGroup = keyof Settings;

type SettingValue = string | number | boolean | string[];

/**
 * The one place VAPIX value strings become typed values: `yes`/`no` → boolean, int and float →
 * number, list → array of items; enum and string stay strings. A value the type cannot hold fails
 * (paramd validates every stored value, so this means definitions and store disagree).
 */
export function decodeSetting(type: string, raw: string, name = ''): SettingValue {
  switch (type) {
    case 'bool':
      if (raw === 'yes') return true;
      if (raw === 'no') return false;
      break;
    case 'int':
    case 'float': {
      const n = type === 'int' && /^-?\d+$/.test(raw) ? Number.parseInt(raw, 10) : type === 'float' && raw.trim() !== '' ? Number(raw) : NaN;
      if (Number.isFinite(n)) return n;
      break;
    }
    case 'list':
      return raw === '' ? [] : raw.split(',');
    default:
      return raw;
  }
  throw new BelfryError('invalid_argument', `param ${name} holds '${raw}', not a ${type}`, { name });
}

/** Decodes a group's values (names without `root.`) into its typed settings; every param of the group must be there. */
export function decodeSettings<G extends SettingsGroup>(group: G, values: Record<string, string>): Settings[G] {
  const out: Record<string, SettingValue> = {};
  for (const [key, def] of Object.entries(SETTING_DEFS[group])) {
    const name = `${group}.${key}`;
    const raw = values[name];
    if (raw === undefined) throw new BelfryError('not_found', `param ${name} missing`, { name });
    out[key] = decodeSetting(def.type, raw, name);
  }
  return out as Settings[G];
}

/** A group's defaults from the definitions (params whose default is per device are left out). */
export function defaultSettings<G extends SettingsGroup>(group: G): Partial<Settings[G]> {
  const out: Record<string, SettingValue> = {};
  for (const [key, def] of Object.entries(SETTING_DEFS[group]) as [string, { type: string; default?: string }][]) {
    if (def.default !== undefined) out[key] = decodeSetting(def.type, def.default, `${group}.${key}`);
  }
  return out as Partial<Settings[G]>;
}
