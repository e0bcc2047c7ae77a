import t from 'tap';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Bus, HOSTS, SERVICES, devicePaths, hostsFor, readBusCredentials, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { parseArgs } from '../src/args.js';
import { backoffMs } from '../src/launcher.js';
import { LAUNCHER, gone, launch, wait } from './boot.js';

t.test('boot, bench, events on the bus, crash and restart of a host, clean stop', async (t) => {
  t.ok(existsSync(LAUNCHER), 'dist/launcher.mjs is built');
  const dev = await launch(t);
  const status = await dev.ready();
  t.equal(status.systemready, true);
  t.equal(status.layout, 'default');
  t.ok(status.pids.paramd && status.pids.boardd && status.pids.httpd && status.pids.audiod, 'every daemon started');
  t.equal(new Set(Object.values(status.pids)).size, HOSTS.length, 'one process per host');
  for (const h of HOSTS) t.equal(new Set(h.daemons.map((d) => status.pids[d])).size, 1, `${h.daemons.join('+')} share a process`);
  t.match(status.http, /^http:\/\/127\.0\.0\.1:\d+$/, 'HTTP URL printed');
  t.match(status.https, /^https:\/\/127\.0\.0\.1:\d+$/, 'HTTPS URL printed');
  const ready = await fetch(`${status.http}/axis-cgi/systemready.cgi`, { method: 'POST', body: '{"apiVersion":"1","method":"systemready"}' });
  t.match(await ready.json(), { data: { systemready: 'yes', needsetup: 'yes' } }, 'the HTTP API answers, device in setup state');
  t.match(status.bench, /^http:\/\/127\.0\.0\.1:\d+$/, 'bench URL printed');
  const paths = devicePaths(dev.root);
  const credFile = join(paths.state, 'bus/users/paramd');
  t.equal(statSync(credFile).mode & 0o777, 0o600, 'bus credentials are mode 0600');
  t.equal(statSync(join(paths.run, 'bus/passwd')).mode & 0o777, 0o600);
  t.notMatch(readFileSync(join(paths.run, 'bus/passwd'), 'utf8'), readFileSync(credFile, 'utf8').trim(), 'the broker holds hashes, not passwords');

  // the bench moves the button; boardd turns it into a stateful event on the bus
  const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'cli') });
  t.teardown(() => bus.close());
  const events: BelfryEvent[] = [];
  await subscribeEvents(bus, 'belfry:Board/#', (e) => events.push(e));
  await wait(100);
  t.ok(events.some((e) => e.topic === 'belfry:Board/Button' && e.op === 'Initialized' && e.data.pressed === false), 'button state initialized');
  t.ok(events.some((e) => e.topic === 'belfry:Board/Switch' && e.source.name === 'mic' && e.data.on === true), 'mic switch state initialized');
  events.length = 0;
  const r = await fetch(`${status.bench}/bench/button`, { method: 'POST', body: JSON.stringify({ name: 'control', action: 'press' }) });
  t.equal(r.status, 200);
  await wait(100);
  t.match(events, [{ topic: 'belfry:Board/Button', op: 'Changed', source: { name: 'control' }, data: { pressed: true }, producer: 'boardd' }], 'press → Changed event');

  // a crashed daemon restarts its host; the other hosts stay
  const oldPid = status.pids.boardd!;
  process.kill(oldPid, 'SIGKILL');
  await dev.next(/^belfry: systemready lost/);
  const again = await dev.ready();
  t.not(again.pids.boardd, oldPid, 'boardd restarted in a new process');
  t.equal(again.pids.paramd, again.pids.boardd, 'with paramd, its host mate');
  t.equal(again.pids.httpd, status.pids.httpd, 'httpd untouched');
  t.equal(again.pids.audiod, status.pids.audiod, 'audiod untouched');

  // clean stop
  const pids = [...Object.values(again.pids), again.broker];
  dev.proc.kill('SIGTERM');
  t.equal(await dev.exited, 0, 'launcher exits 0');
  t.same(await gone(pids), [], 'every process of the device is gone');
  t.notOk(existsSync(join(paths.run, 'launcher.pid')), 'the root is free again');
});

t.test('--together co-hosts the daemons in one process', async (t) => {
  const dev = await launch(t, { args: ['--together'] });
  const status = await dev.ready();
  t.equal(status.layout, 'together');
  t.equal(new Set(Object.values(status.pids)).size, 1, 'one process');
  const r = await fetch(`${status.bench}/bench/state`);
  t.equal(r.status, 200);
  // each co-hosted daemon keeps its own bus identity: paramd answers, boardd's events are boardd's
  const paths = devicePaths(dev.root);
  const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'cli') });
  t.teardown(() => bus.close());
  const states: Record<string, string> = {};
  await bus.subscribe('belfry/daemon/+/state', (topic, p) => (states[topic.split('/')[2]!] = JSON.parse(p.toString()).state));
  await wait(100);
  t.match(states, { paramd: 'ready', boardd: 'ready', httpd: 'ready' });
  process.kill(status.pids.paramd!, 'SIGKILL');
  const again = await dev.ready();
  t.not(again.pids.paramd, status.pids.paramd, 'the co-hosting process was restarted');
});

t.test('--layout separate: one process per daemon', async (t) => {
  const dev = await launch(t, { args: ['--layout', 'separate'] });
  const status = await dev.ready();
  t.equal(status.layout, 'separate');
  t.equal(new Set(Object.values(status.pids)).size, SERVICES.length, 'one process per daemon');
});

t.test('--apart: the named daemons get a process each, the others keep their layout', async (t) => {
  t.same(parseArgs(['--apart', 'boardd,httpd']).apart, ['boardd', 'httpd']);
  t.throws(() => parseArgs(['--apart', 'nosuchd']), /unknown daemon nosuchd/);
  const hosts = hostsFor('default', undefined, ['boardd']);
  const base = HOSTS.find((h) => h.daemons.includes('boardd'))!;
  t.same(hosts.find((h) => h.name === base.name)?.daemons, base.daemons.filter((d) => d !== 'boardd'), 'its host keeps the others');
  t.same(hosts.find((h) => h.name === 'boardd')?.daemons, ['boardd'], 'a process of its own');
  t.same(hosts.flatMap((h) => h.daemons).sort(), SERVICES.map((s) => s.name).sort(), 'every daemon exactly once');
  t.same(hostsFor('together', ['paramd', 'boardd', 'httpd'], ['boardd']), [{ name: 'all', daemons: ['paramd', 'httpd'] }, { name: 'boardd', daemons: ['boardd'] }]);
  t.same(hostsFor('separate', undefined, ['httpd']).length, SERVICES.length, 'separate stays one per daemon');
});

t.test('a restarted bus: daemons reconnect and restore their state; systemready is said again with the new broker', async (t) => {
  const dev = await launch(t);
  const status = await dev.ready();
  process.kill(status.broker, 'SIGKILL');
  await dev.next(/^belfry: bus exited/);
  const again = await dev.ready();
  t.not(again.broker, status.broker, 'the line names the new broker');
  t.same(again.pids, status.pids, 'the daemons stayed');
  const paths = devicePaths(dev.root);
  const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'cli'), connectTimeoutMs: 500 });
  t.teardown(() => bus.close());
  const states: Record<string, string> = {};
  await bus.subscribe('belfry/daemon/+/state', (topic, p) => (states[topic.split('/')[2]!] = JSON.parse(p.toString()).state));
  for (let i = 0; i < 40 && !(states.paramd === 'ready' && states.boardd === 'ready'); i++) await wait(100);
  t.match(states, { paramd: 'ready', boardd: 'ready' }, 'liveness republished after reconnect');
});

t.test('restart backoff doubles up to 10 s', async (t) => {
  t.same([1, 2, 3, 4, 8, 20].map(backoffMs), [100, 200, 400, 800, 10_000, 10_000]);
});
