import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSource } from '../src/settings-gen.js';
import { SETTING_DEFS, decodeSetting, decodeSettings, defaultSettings } from '../src/settings.js';

const defsDir = join(import.meta.dirname, '../../../param-db/defs');

t.test('settings-defs.gen.ts matches param-db/defs (run `npx tsx scripts/gen-settings.ts` after changing a definition)', async (t) => {
  const files = readdirSync(defsDir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(defsDir, f), 'utf8')));
  t.equal(readFileSync(join(import.meta.dirname, '../src/settings-defs.gen.ts'), 'utf8'), settingsSource(files));
});

t.test('values decode in one place', async (t) => {
  t.equal(decodeSetting('bool', 'yes'), true);
  t.equal(decodeSetting('bool', 'no'), false);
  t.equal(decodeSetting('int', '-12'), -12);
  t.equal(decodeSetting('float', '1.5'), 1.5);
  t.same(decodeSetting('list', 'a,b'), ['a', 'b']);
  t.same(decodeSetting('list', ''), []);
  t.equal(decodeSetting('enum', 'half'), 'half');
  for (const [type, raw] of [['bool', 'true'], ['int', '1.5'], ['int', ''], ['float', 'x']] as const) {
    t.throws(() => decodeSetting(type, raw, 'X.Y'), { code: 'invalid_argument', target: 'X.Y' }, `${type} '${raw}'`);
  }
});

t.test('a group decodes whole, with defaults from the definitions', async (t) => {
  const d = defaultSettings('System');
  t.equal(d['BruteForce.Enabled'], true);
  t.equal(d['BruteForce.BlockingPeriod'], 10);
  t.equal(defaultSettings('Network')['HTTP.Port'], undefined, 'a per-device default (${device.httpPort}) is left out');
  const values = Object.fromEntries(Object.entries(SETTING_DEFS.HTTPS).map(([k, def]) => [`HTTPS.${k}`, (def as { default?: string }).default ?? '443']));
  const https = decodeSettings('HTTPS', { ...values, 'HTTPS.Port': '8443' });
  t.equal(https.Port, 8443);
  t.equal(https.Enabled, true);
  const { 'HTTPS.Enabled': _gone, ...partial } = values;
  t.throws(() => decodeSettings('HTTPS', partial), { code: 'not_found', target: 'HTTPS.Enabled' }, 'a missing param is an error, not a silent default');
});
