import t from 'tap';
import { routeServer } from '@belfry/core/http';
import { forwardedAs } from '@belfry/core/testing';
import { INPUTS_ROUTES } from '../src/contract/inputs.js';
import { triggerApiHandlers } from '../src/inputs/api.js';
import { inputCgiHandlers } from '../src/inputs/cgi.js';
import { ManualTriggers, TRIGGER_LIMITS } from '../src/inputs/manual-trigger.js';
import { MAX_DURATION_S, PortStates } from '../src/inputs/virtual-inputs.js';
import { ManualClock } from '../src/schedules/clock.js';

/** The inputs part's handlers in process (fastify inject), on a clock the test moves. */
async function setup(t: { teardown(fn: () => unknown): void }) {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const vi: string[] = [];
  const vp: string[] = [];
  const inputs = new PortStates(clock, (p, a) => vi.push(`${clock.now() - Date.UTC(2026, 5, 1, 12)}ms ${p} ${a}`));
  const triggers = new ManualTriggers(clock, new PortStates(clock, (p, a) => vp.push(`${clock.now() - Date.UTC(2026, 5, 1, 12)}ms ${p} ${a}`)));
  const app = forwardedAs(routeServer(INPUTS_ROUTES, { ...inputCgiHandlers(inputs, triggers), ...triggerApiHandlers(triggers, inputs) }));
  await app.ready();
  t.teardown(() => app.close());
  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return { status: r.statusCode, type: String(r.headers['content-type']), body: r.body };
  };
  return { clock, vi, vp, inputs, triggers, app, get };
}

const HEAD =
  '<?xml version="1.0" encoding="utf-8" ?>\n<VirtualInputResponse xmlns="http://www.axis.com/vapix/http_cgi/virtualinput1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" SchemaVersion="1.1" xsi:schemaLocation="http://www.axis.com/vapix/http_cgi/virtualinput1 http://www.axis.com/vapix/http_cgi/virtualinput1_0.xsd">\n';
const doc = (inner: string) => `${HEAD} ${inner}\n</VirtualInputResponse>\n`;
const errorCode = (body: string) => Number(/<ErrorCode>(\d+)<\/ErrorCode>/.exec(body)?.[1]);

t.test('activate and deactivate answer the VirtualInputResponse documents; StateChanged false when already so', async (t) => {
  const { get, vi } = await setup(t);
  const on = await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=10');
  t.equal(on.status, 200);
  t.match(on.type, /^text\/xml/);
  t.equal(on.body, doc('<Success><ActivateSuccess><StateChanged>true</StateChanged></ActivateSuccess></Success>'));
  t.equal((await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=10')).body, doc('<Success><ActivateSuccess><StateChanged>false</StateChanged></ActivateSuccess></Success>'));
  t.equal((await get('/axis-cgi/virtualinput/deactivate.cgi?schemaversion=1.0&port=10')).body, doc('<Success><DeactivateSuccess><StateChanged>true</StateChanged></DeactivateSuccess></Success>'));
  t.equal((await get('/axis-cgi/virtualinput/deactivate.cgi?schemaversion=1.1&port=10')).body, doc('<Success><DeactivateSuccess><StateChanged>false</StateChanged></DeactivateSuccess></Success>'));
  t.same(vi, ['0ms 10 true', '0ms 10 false'], 'one event per change');
  t.equal((await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=1')).status, 200, 'port 1');
  t.equal((await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=32')).status, 200, 'port 32');
  t.same(vi.slice(2), ['0ms 1 true', '0ms 32 true']);
});

t.test('getschemaversions', async (t) => {
  const { get } = await setup(t);
  const r = await get('/axis-cgi/virtualinput/getschemaversions.cgi');
  t.equal(r.body, doc('<Success><GetSchemaVersionsSuccess><SchemaVersion><MajorVersion>1</MajorVersion><MinorVersion>1</MinorVersion><Deprecated>false</Deprecated></SchemaVersion></GetSchemaVersionsSuccess></Success>'));
  t.equal(errorCode((await get('/axis-cgi/virtualinput/getschemaversions.cgi?port=1')).body), 10, 'it takes no arguments');
});

t.test('bad input: HTTP 200 text/xml GeneralError with the right code, and nothing changes', async (t) => {
  const { get, vi } = await setup(t);
  const cases: [string, number][] = [
    ['activate.cgi?port=1', 10],
    ['activate.cgi?schemaversion=1', 10],
    ['activate.cgi', 10],
    ['activate.cgi?schemaversion=1&port=1&port=2', 10],
    ['activate.cgi?schemaversion=1&port=1&colour=red', 10],
    ['activate.cgi?schemaversion=1&port=0', 20],
    ['activate.cgi?schemaversion=1&port=33', 20],
    ['activate.cgi?schemaversion=1&port=64', 20],
    ['activate.cgi?schemaversion=1&port=abc', 20],
    ['activate.cgi?schemaversion=1&port=-1', 20],
    ['activate.cgi?schemaversion=1&port=', 20],
    ['deactivate.cgi?schemaversion=1&port=99', 20],
    ['activate.cgi?schemaversion=2&port=1', 30],
    ['activate.cgi?schemaversion=1.2&port=1', 30],
    ['activate.cgi?schemaversion=one&port=1', 30],
    ['activate.cgi?schemaversion=1&port=1&duration=-1', 50],
    ['activate.cgi?schemaversion=1&port=1&duration=1.5', 50],
    ['activate.cgi?schemaversion=1&port=1&duration=abc', 50],
    ['activate.cgi?schemaversion=1&port=1&duration=', 50],
    [`activate.cgi?schemaversion=1&port=1&duration=${MAX_DURATION_S + 1}`, 50],
  ];
  for (const [q, code] of cases) {
    const r = await get(`/axis-cgi/virtualinput/${q}`);
    t.equal(r.status, 200, q);
    t.match(r.type, /^text\/xml/);
    t.equal(errorCode(r.body), code, `${q} → ${code}`);
    t.match(r.body, /^<\?xml[^]*<Error><GeneralError><ErrorCode>\d+<\/ErrorCode><ErrorDescription>[^<]+<\/ErrorDescription><\/GeneralError><\/Error>\n<\/VirtualInputResponse>\n$/);
  }
  t.same(vi, [], 'no input changed');
  const echoed = await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=%3Cb%3E');
  t.match(echoed.body, /&#60;b&#62;/, 'what is echoed is escaped');
});

t.test('duration: the input goes back after it; 0 is a pulse; the longest is accepted; a re-activation re-arms it', async (t) => {
  const { get, vi, clock } = await setup(t);
  await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=3&duration=5');
  clock.advance(4999);
  t.same(vi, ['0ms 3 true']);
  clock.advance(1);
  t.same(vi, ['0ms 3 true', '5000ms 3 false']);
  vi.length = 0;
  t.match((await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=4&duration=0')).body, /<StateChanged>true</);
  t.same(vi, ['5000ms 4 true', '5000ms 4 false'], 'a pulse: on and off at once');
  vi.length = 0;
  await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=5&duration=10');
  clock.advance(8000);
  t.match((await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=5&duration=10')).body, /<StateChanged>false</);
  clock.advance(9999);
  t.same(vi, ['5000ms 5 true'], 're-armed: still active 18 s after the first');
  clock.advance(1);
  t.same(vi, ['5000ms 5 true', '23000ms 5 false']);
  vi.length = 0;
  await get(`/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=6&duration=${MAX_DURATION_S}`);
  await get('/axis-cgi/virtualinput/deactivate.cgi?schemaversion=1&port=6');
  clock.advance(MAX_DURATION_S * 1000);
  t.same(vi, ['23000ms 6 true', '23000ms 6 false'], 'a deactivation ends the pending revert');
  vi.length = 0;
  await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=7');
  await get('/axis-cgi/virtualinput/deactivate.cgi?schemaversion=1&port=7&duration=2');
  clock.advance(2000);
  t.same(vi.map((l) => l.split(' ').slice(1).join(' ')), ['7 true', '7 false', '7 true'], 'deactivate with a duration comes back active');
});

t.test('manual trigger: io/virtualinput.cgi runs its sequence on the clock; bad actions are 400 text', async (t) => {
  const { get, vp, clock } = await setup(t);
  const r = await get('/axis-cgi/io/virtualinput.cgi?action=6%3A%2F2000%5C');
  t.equal(r.status, 200);
  t.match(r.type, /^text\/plain/);
  t.same(vp, ['0ms 6 true']);
  clock.advance(2000);
  t.same(vp, ['0ms 6 true', '2000ms 6 false']);
  vp.length = 0;
  await get('/axis-cgi/io/virtualinput.cgi?action=%3A%2F');
  t.same(vp, ['2000ms 1 true'], 'no port: port 1');
  await get('/axis-cgi/io/virtualinput.cgi?action=2:/1000\\1000/');
  await get('/axis-cgi/io/virtualinput.cgi?action=2:\\');
  clock.advance(5000);
  t.same(vp.slice(1), ['2000ms 2 true', '2000ms 2 false'], 'a new action on a port ends the sequence running there');
  const steps = '/' + '0\\0/'.repeat((TRIGGER_LIMITS.steps - 1) / 2) + (TRIGGER_LIMITS.steps % 2 === 0 ? '0\\' : '');
  t.equal((await get(`/axis-cgi/io/virtualinput.cgi?action=3:${encodeURIComponent(steps)}`)).status, 200, `${TRIGGER_LIMITS.steps} steps`);
  t.equal((await get(`/axis-cgi/io/virtualinput.cgi?action=3:${encodeURIComponent(steps + '0/')}`)).status, 400, 'one step too many');
  t.equal((await get(`/axis-cgi/io/virtualinput.cgi?action=4:/${TRIGGER_LIMITS.waitMs}%5C`)).status, 200, 'the longest wait');
  vp.length = 0;
  for (const bad of ['', 'action=', 'action=6', 'action=6:', 'action=33:/', 'action=0:/', 'action=6:x', 'action=6:2000/', `action=6:/${TRIGGER_LIMITS.waitMs + 1}%5C`, 'action=1:/&action=2:/', 'other=1', 'action=1:/&other=1']) {
    const b = await get(`/axis-cgi/io/virtualinput.cgi?${bad}`);
    t.equal(b.status, 400, bad);
    t.match(b.body, /^400 Bad Request\n.+\n$/);
  }
  t.same(vp, [], 'nothing changed');
});

t.test('manual triggers JSON API: list and set', async (t) => {
  const { app, vp } = await setup(t);
  const list = await app.inject({ method: 'GET', url: '/api/v1/events/manual-triggers' });
  const triggers = (JSON.parse(list.body) as { triggers: { port: number; active: boolean }[] }).triggers;
  t.equal(triggers.length, 32);
  t.same(triggers[0], { port: 1, active: false });
  const put = (port: string, body: string) => app.inject({ method: 'PUT', url: `/api/v1/events/manual-triggers/${port}`, payload: body, headers: { 'content-type': 'application/json' } });
  t.same(JSON.parse((await put('5', '{"active":true}')).body), { port: 5, active: true, changed: true });
  t.same(JSON.parse((await put('5', '{"active":true}')).body), { port: 5, active: true, changed: false });
  t.same(vp, ['0ms 5 true']);
  for (const [port, body] of [['33', '{"active":true}'], ['0', '{"active":true}'], ['x', '{"active":true}'], ['5', '{"active":"yes"}'], ['5', '{"active":true,"x":1}'], ['5', '{}'], ['5', 'not json']]) {
    const r = await put(port!, body!);
    t.equal(r.statusCode, 400, `${port} ${body}`);
    t.match(JSON.parse(r.body), { error: { code: String } });
  }
  t.same(vp, ['0ms 5 true'], 'refused sets changed nothing');
  t.same((JSON.parse((await app.inject({ method: 'GET', url: '/api/v1/events/manual-triggers' })).body) as { triggers: { active: boolean }[] }).triggers[4], { port: 5, active: true });
});

t.test('virtual inputs JSON API: list and set (untimed: a pending revert dropped)', async (t) => {
  const { app, vi, get, clock } = await setup(t);
  const list = async () => (JSON.parse((await app.inject({ method: 'GET', url: '/api/v1/events/virtual-inputs' })).body) as { inputs: { port: number; active: boolean }[] }).inputs;
  t.equal((await list()).length, 32);
  const put = (port: string, body: string) => app.inject({ method: 'PUT', url: `/api/v1/events/virtual-inputs/${port}`, payload: body, headers: { 'content-type': 'application/json' } });
  await get('/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=3&duration=5');
  t.same(JSON.parse((await put('3', '{"active":true}')).body), { port: 3, active: true, changed: false }, 'already on: unchanged');
  clock.advance(6000);
  t.same((await list())[2], { port: 3, active: true }, 'the timed revert was dropped');
  t.same(JSON.parse((await put('32', '{"active":true}')).body), { port: 32, active: true, changed: true }, 'the last port');
  for (const [port, body] of [['33', '{"active":true}'], ['0', '{"active":true}'], ['1', '{"active":1}'], ['1', '{}']]) t.equal((await put(port!, body!)).statusCode, 400, `${port} ${body}`);
  t.same(vi, ['0ms 3 true', '6000ms 32 true'], 'refused sets changed nothing');
});

t.test('a failure inside is GeneralError 40 (internal), still HTTP 200 text/xml', async (t) => {
  const clock = new ManualClock(0);
  const broken = new PortStates(clock, () => {
    throw new Error('the bus is gone');
  });
  const app = forwardedAs(routeServer(INPUTS_ROUTES, { ...inputCgiHandlers(broken, new ManualTriggers(clock, new PortStates(clock, () => undefined))), ...triggerApiHandlers(new ManualTriggers(clock, new PortStates(clock, () => undefined)), broken) }));
  await app.ready();
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=1' });
  t.equal(r.statusCode, 200);
  t.match(String(r.headers['content-type']), /^text\/xml/);
  t.equal(errorCode(r.body), 40);
  t.notMatch(r.body, /bus is gone/, 'the inner error is not shown');
  t.equal(broken.get(1), false, 'and the input did not change');
});
