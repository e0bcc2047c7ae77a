import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { unitFiles, UNIT_DIR } from '../src/gen-units.js';
import { SERVICES } from '@belfry/core';

const dir = join(import.meta.dirname, '../..', UNIT_DIR);

t.test('the committed systemd units are the ones the service list generates (run `make units`)', async (t) => {
  const files = unitFiles();
  t.same(readdirSync(dir).filter((f) => f.startsWith('belfry')).sort(), Object.keys(files).sort(), 'same set of units');
  for (const [name, text] of Object.entries(files)) t.equal(readFileSync(join(dir, name), 'utf8'), text, `${name} up to date`);
});

t.test('every daemon unit restarts, runs as its own user, sandboxed, after the bus', async (t) => {
  const files = unitFiles();
  for (const s of SERVICES) {
    const u = files[`belfry-${s.name}.service`]!;
    t.match(u, /^Restart=always$/m, `${s.name}: Restart=`);
    t.match(u, new RegExp(`^User=belfry-${s.name}$`, 'm'), `${s.name}: own user`);
    t.match(u, /^NoNewPrivileges=yes$/m);
    t.match(u, /^ProtectSystem=strict$/m);
    t.match(u, /^Requires=belfry-bus\.service$/m);
    t.match(u, new RegExp(`host\\.mjs --root / ${s.name}$`, 'm'));
  }
});
