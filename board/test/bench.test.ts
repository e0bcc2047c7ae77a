import t from 'tap';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sim, loadBoard } from '../src/index.js';

async function bench(t: { teardown(fn: () => unknown): void }) {
  const drivers = new sim.SimDrivers();
  const b = new sim.Bench(drivers);
  const url = await b.listen(0);
  t.teardown(() => b.close());
  const req = async (method: string, path: string, body?: unknown, raw?: string) => {
    const res = await fetch(url + path, { method, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)), headers: { 'content-type': 'application/json' } });
    return { status: res.status, json: (await res.json()) as any };
  };
  return { drivers, url, req };
}

t.test('bench state, button, mic switch', async (t) => {
  const { req, drivers, url } = await bench(t);
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback only');
  const s = await req('GET', '/bench/state');
  t.equal(s.status, 200);
  t.same(s.json.buttons, { control: { pressed: false } });
  t.same(s.json.micSwitch, { on: true });
  t.same(s.json.leds.status, { color: 'green', mode: 'off' });
  const events: [string, boolean][] = [];
  drivers.onButton((n, p) => events.push([n, p]));
  t.equal((await req('POST', '/bench/button', { name: 'control', action: 'press' })).json.buttons.control.pressed, true);
  await req('POST', '/bench/button', { name: 'control', action: 'release' });
  const held = await req('POST', '/bench/button', { name: 'control', action: 'hold', ms: 50 });
  t.equal(held.json.buttons.control.pressed, true, 'held down at once');
  await new Promise((r) => setTimeout(r, 120));
  t.same(events, [['control', true], ['control', false], ['control', true], ['control', false]], 'press, release, hold → press + release');
  t.equal((await req('POST', '/bench/mic-switch', { on: false })).json.micSwitch.on, false);
  t.equal(drivers.switchOn('mic'), false);
  drivers.setLed('status', { color: 'amber', mode: 'flash' });
  t.same((await req('GET', '/bench/state')).json.leds.status, { color: 'amber', mode: 'flash' }, 'LED state readable');
});

t.test('acoustic settings', async (t) => {
  const { req, drivers } = await bench(t);
  const seen: unknown[] = [];
  drivers.onAcoustic((s) => seen.push(s));
  const r = await req('POST', '/bench/acoustic', { fault: 'muffle', cutoffHz: 2000, noiseDb: -40, seed: 7 });
  t.equal(r.status, 200);
  t.same(r.json.acoustic, { fault: 'muffle', dB: 0, cutoffHz: 2000, noiseDb: -40, seed: 7 });
  t.equal(seen.length, 1);
  await req('POST', '/bench/acoustic', { fault: 'attenuate', dB: 6 });
  t.same(drivers.acoustic, { fault: 'attenuate', dB: 6, cutoffHz: 2000, noiseDb: -40, seed: 7 }, 'fields not sent keep their value');
});

t.test('bad bench input: clear errors, nothing changes', async (t) => {
  const { req, drivers } = await bench(t);
  const before = JSON.stringify((await req('GET', '/bench/state')).json);
  const cases: [string, string, unknown, number, string, string?][] = [
    ['POST', '/bench/button', { name: 'reset', action: 'press' }, 400, 'invalid_argument'],
    ['POST', '/bench/button', { name: 'control', action: 'smash' }, 400, 'invalid_argument'],
    ['POST', '/bench/button', { name: 'control', action: 'hold' }, 400, 'invalid_argument'],
    ['POST', '/bench/button', { name: 'control', action: 'hold', ms: 0 }, 400, 'invalid_argument'],
    ['POST', '/bench/button', { name: 'control', action: 'hold', ms: sim.BENCH_MAX_HOLD_MS + 1 }, 400, 'invalid_argument'],
    ['POST', '/bench/mic-switch', { on: 'yes' }, 400, 'invalid_argument'],
    ['POST', '/bench/acoustic', { fault: 'explode' }, 400, 'invalid_argument'],
    ['POST', '/bench/acoustic', { dB: -1 }, 400, 'invalid_argument'],
    ['POST', '/bench/acoustic', { cutoffHz: 'high' }, 400, 'invalid_argument'],
    ['POST', '/bench/acoustic', { seed: 1.5 }, 400, 'invalid_argument'],
    ['POST', '/bench/acoustic', { volume: 3 }, 400, 'invalid_argument'],
    ['POST', '/bench/acoustic', undefined, 400, 'bad_request', '{"fault":'],
    ['POST', '/bench/acoustic', undefined, 400, 'bad_request', '[1,2]'],
    ['POST', '/bench/acoustic', undefined, 413, 'limit_exceeded', JSON.stringify({ fault: 'none', pad: 'x'.repeat(sim.BENCH_MAX_BODY) })],
    ['GET', '/bench/nothing', undefined, 404, 'not_found'],
    ['GET', '/bench/button', undefined, 405, 'method_not_allowed'],
    ['DELETE', '/bench/state', undefined, 405, 'method_not_allowed'],
  ];
  for (const [method, path, body, status, code, raw] of cases) {
    const r = await req(method, path, body, raw);
    t.equal(r.status, status, `${method} ${path} ${raw ?? JSON.stringify(body)} → ${status}`);
    t.equal(r.json.error?.code, code);
    t.type(r.json.error?.message, 'string');
  }
  t.equal(JSON.stringify((await req('GET', '/bench/state')).json), before, 'state unchanged');
  t.same(drivers.acoustic, sim.DEFAULT_ACOUSTIC);
});

t.test('simulated identity: locally administered, unique per root, stable', async (t) => {
  const r1 = mkdtempSync(join(tmpdir(), 'belfry-board-'));
  const r2 = mkdtempSync(join(tmpdir(), 'belfry-board-'));
  t.teardown(() => {
    rmSync(r1, { recursive: true, force: true });
    rmSync(r2, { recursive: true, force: true });
  });
  const a = loadBoard(r1, 'sim').identity;
  t.match(a.mac, /^02:BE:1F:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$/, 'locally administered MAC');
  t.equal(a.serialNumber, a.mac.replace(/:/g, ''), 'serial = MAC');
  t.match(a.serialNumber, /[A-F]|^02BE1F/, 'serial keeps its hex letters');
  t.same(loadBoard(r1, 'sim').identity, a, 'stable across boots');
  const b = loadBoard(r2, 'sim').identity;
  t.not(b.serialNumber, a.serialNumber, 'another root, another device');
  t.equal(a.brand, 'Belfry');
  t.equal(a.prodNbr, 'BS1410');
  t.equal(a.prodType, 'Network Speaker');
  t.match(JSON.parse(readFileSync(join(r1, 'factory/identity.json'), 'utf8')), { serialNumber: a.serialNumber });
  t.throws(() => loadBoard(r1, 'nosuchboard'));
});
