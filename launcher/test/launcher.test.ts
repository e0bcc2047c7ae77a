import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus, SERVICES, devicePaths, readBusCredentials, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { freePorts } from '@belfry/core/testing';
import { backoffMs } from '../src/launcher.js';

const LAUNCHER = join(import.meta.dirname, '../../dist/launcher.mjs');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Status {
  systemready: boolean;
  pids: Record<string, number>;
  broker: number;
  bench?: string;
  http?: string;
  https?: string;
  readyMs?: number;
}

/** Boots a device from the build on a fresh root; resolves with the first systemready status. */
async function boot(t: { teardown(fn: () => unknown): void }, args: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), 'belfry-launch-'));
  const [httpPort, httpsPort] = await freePorts(2);
  const proc = spawn(process.execPath, [LAUNCHER, '--root', root, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BELFRY_LOG_LEVEL: 'warn', HTTP_PORT: String(httpPort), HTTPS_PORT: String(httpsPort) },
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  proc.stderr!.on('data', () => undefined);
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  t.teardown(async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });
  const next = (re: RegExp, ms = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const hit = lines.find((l) => re.test(l));
      if (hit) {
        lines.splice(lines.indexOf(hit), 1);
        return resolve(hit);
      }
      const timer = setTimeout(() => reject(new Error(`no line ${re} in ${ms} ms; got:\n${lines.join('\n')}`)), ms);
      waiters.push({ re, resolve: (l) => (clearTimeout(timer), lines.splice(lines.indexOf(l), 1), resolve(l)) });
    });
  const status = JSON.parse((await next(/^belfry: systemready \{/)).replace(/^belfry: systemready /, '')) as Status;
  return { root, proc, status, next, exited, lines };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('boot, bench, events on the bus, crash and restart, clean stop', async (t) => {
  t.ok(existsSync(LAUNCHER), 'dist/launcher.mjs is built');
  const dev = await boot(t);
  t.equal(dev.status.systemready, true);
  t.ok(dev.status.pids.paramd && dev.status.pids.boardd && dev.status.pids.httpd && dev.status.pids.audiod, 'every daemon started');
  t.equal(new Set(Object.values(dev.status.pids)).size, SERVICES.length, 'one process per daemon');
  t.match(dev.status.http, /^http:\/\/127\.0\.0\.1:\d+$/, 'HTTP URL printed');
  t.match(dev.status.https, /^https:\/\/127\.0\.0\.1:\d+$/, 'HTTPS URL printed');
  const ready = await fetch(`${dev.status.http}/axis-cgi/systemready.cgi`, { method: 'POST', body: '{"apiVersion":"1","method":"systemready"}' });
  t.match(await ready.json(), { data: { systemready: 'yes', needsetup: 'yes' } }, 'the HTTP API answers, device in setup state');
  t.match(dev.status.bench, /^http:\/\/127\.0\.0\.1:\d+$/, 'bench URL printed');
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
  const r = await fetch(`${dev.status.bench}/bench/button`, { method: 'POST', body: JSON.stringify({ name: 'control', action: 'press' }) });
  t.equal(r.status, 200);
  await wait(100);
  t.match(events, [{ topic: 'belfry:Board/Button', op: 'Changed', source: { name: 'control' }, data: { pressed: true }, producer: 'boardd' }], 'press → Changed event');

  // a crashed daemon is restarted and the device becomes ready again
  const oldPid = dev.status.pids.boardd!;
  process.kill(oldPid, 'SIGKILL');
  await dev.next(/^belfry: systemready lost/);
  const again = JSON.parse((await dev.next(/^belfry: systemready \{/)).replace(/^belfry: systemready /, '')) as Status;
  t.not(again.pids.boardd, oldPid, 'boardd restarted in a new process');
  t.equal(again.pids.paramd, dev.status.pids.paramd, 'paramd untouched');

  // clean stop
  const pids = [...Object.values(again.pids), again.broker];
  dev.proc.kill('SIGTERM');
  t.equal(await dev.exited, 0, 'launcher exits 0');
  await wait(100);
  t.same(pids.filter(alive), [], 'every process of the device is gone');
});

t.test('--together co-hosts the daemons in one process', async (t) => {
  const dev = await boot(t, ['--together']);
  t.equal(dev.status.pids.paramd, dev.status.pids.boardd, 'one process');
  t.equal(dev.status.pids.paramd, dev.status.pids.httpd, 'one process');
  const r = await fetch(`${dev.status.bench}/bench/state`);
  t.equal(r.status, 200);
  // each co-hosted daemon keeps its own bus identity: paramd answers, boardd's events are boardd's
  const paths = devicePaths(dev.root);
  const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'cli') });
  t.teardown(() => bus.close());
  const states: Record<string, string> = {};
  await bus.subscribe('belfry/daemon/+/state', (topic, p) => (states[topic.split('/')[2]!] = JSON.parse(p.toString()).state));
  await wait(100);
  t.match(states, { paramd: 'ready', boardd: 'ready', httpd: 'ready' });
  process.kill(dev.status.pids.paramd!, 'SIGKILL');
  const again = JSON.parse((await dev.next(/^belfry: systemready \{/)).replace(/^belfry: systemready /, '')) as Status;
  t.not(again.pids.paramd, dev.status.pids.paramd, 'the co-hosting process was restarted');
});

t.test('a restarted bus: daemons reconnect and restore their state', async (t) => {
  const dev = await boot(t);
  process.kill(dev.status.broker, 'SIGKILL');
  await dev.next(/^belfry: bus exited/);
  const paths = devicePaths(dev.root);
  let bus: Bus | undefined;
  for (let i = 0; i < 50 && !bus; i++) {
    await wait(100);
    bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'cli'), connectTimeoutMs: 500 }).catch(() => undefined);
  }
  t.ok(bus, 'bus is back');
  t.teardown(() => bus?.close());
  const states: Record<string, string> = {};
  await bus!.subscribe('belfry/daemon/+/state', (topic, p) => (states[topic.split('/')[2]!] = JSON.parse(p.toString()).state));
  for (let i = 0; i < 40 && !(states.paramd === 'ready' && states.boardd === 'ready'); i++) await wait(100);
  t.match(states, { paramd: 'ready', boardd: 'ready' }, 'liveness republished after reconnect');
});

t.test('restart backoff doubles up to 10 s', async (t) => {
  t.same([1, 2, 3, 4, 8, 20].map(backoffMs), [100, 200, 400, 800, 10_000, 10_000]);
});
