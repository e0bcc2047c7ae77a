import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { unitFiles, UNIT_DIR } from '../src/gen-units.js';
import { HOSTS, SERVICES } from '@belfry/core';

const dir = join(import.meta.dirname, '../..', UNIT_DIR);

t.test('the committed systemd units are the ones the service list generates (run `make units`)', async (t) => {
  const files = unitFiles();
  t.same(readdirSync(dir).filter((f) => f.startsWith('belfry')).sort(), Object.keys(files).sort(), 'same set of units');
  for (const [name, text] of Object.entries(files)) t.equal(readFileSync(join(dir, name), 'utf8'), text, `${name} up to date`);
});

t.test('every daemon is in exactly one host; one unit per host', async (t) => {
  const hosted = HOSTS.flatMap((h) => h.daemons);
  t.same([...hosted].sort(), SERVICES.map((s) => s.name).sort(), 'each daemon once');
  const files = unitFiles();
  t.same(Object.keys(files).filter((f) => f !== 'belfry-bus.service' && f.endsWith('.service')).sort(), HOSTS.map((h) => `belfry-${h.name}.service`).sort());
  t.notOk(files['belfry-paramd.service'], 'no unit per daemon');
  t.match(files['belfry.target'], new RegExp(`^Wants=belfry-bus\\.service ${HOSTS.map((h) => `belfry-${h.name}\\.service`).join(' ')}$`, 'm'));
  t.notMatch(Object.values(files).join('\n'), /launcher\/src\/services\.ts/, 'the service list is named where it is');
});

t.test('every host unit restarts, runs as its own user, sandboxed, after the bus, with a watchdog', async (t) => {
  const files = unitFiles();
  for (const h of HOSTS) {
    const u = files[`belfry-${h.name}.service`]!;
    t.match(u, /^Restart=always$/m, `${h.name}: Restart=`);
    t.match(u, /^RestartPreventExitStatus=78$/m, `${h.name}: a configuration error is not retried`);
    t.match(u, /^Type=notify$/m, `${h.name}: ready when its daemons are`);
    t.match(u, /^NotifyAccess=all$/m, `${h.name}: the sd_notify sender (a child) may ping`);
    t.match(u, /^WatchdogSec=\d+$/m, `${h.name}: watchdog`);
    t.match(u, new RegExp(`^User=belfry-${h.name}$`, 'm'), `${h.name}: own user`);
    t.match(u, /^NoNewPrivileges=yes$/m);
    t.match(u, /^ProtectSystem=strict$/m);
    t.match(u, /^Requires=belfry-bus\.service$/m);
    t.match(u, new RegExp(`host\\.mjs --root / ${h.daemons.join(' ')}$`, 'm'));
    t.match(u, new RegExp(`^StateDirectory=${h.daemons.map((d) => `belfry/${d}`).join(' ')}$`, 'm'), `${h.name}: each daemon's state folder`);
  }
});

t.test('a host unit has the union of its daemons needs', async (t) => {
  const files = unitFiles();
  const httpd = files['belfry-httpd.service']!;
  t.match(httpd, /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
  const audiod = files['belfry-audiod.service']!;
  t.match(audiod, /^Environment=UV_THREADPOOL_SIZE=16$/m);
  t.match(audiod, /^SupplementaryGroups=belfry audio$/m);
  const base = files['belfry-base.service']!;
  t.match(base, /^DeviceAllow=\/dev\/gpiochip0 rw$/m, 'boardd’s devices');
  t.match(base, /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m, 'eventd’s RTSP port, and no other capability');
  t.notMatch(base, /--lite-mode/, 'eventd is not lite, so neither is its host');
  t.match(base, /^Environment=MALLOC_ARENA_MAX=2$/m, 'eventd’s malloc settings');
  t.match(audiod, /^After=belfry-bus\.service belfry-base\.service$/m, 'after the hosts of its peers');
});
