import t from 'tap';
import { RpcCaller, T, subscribeEvents, type BelfryEvent, type EventDecl } from '@belfry/core';
import { startTestBus } from '@belfry/core/testing';
import { BOARDD, BOARD_BUTTON, BOARD_SWITCH, CLOCK_MAX_MS } from '../src/contract.js';
import { daemon as boardd } from '../src/main.js';

t.test('boardd serves its contract: events declared from it, params checked, callers enforced', async (t) => {
  const tb = await startTestBus(['boardd', 'audiod']);
  t.teardown(() => tb.stop());
  await tb.run(boardd);
  const bus = await tb.connect('audiod');
  const rpc = new RpcCaller(bus);
  t.teardown(() => rpc.close());
  const board = rpc.client(BOARDD);

  const decls = await new Promise<EventDecl[]>((resolve) => void bus.subscribe(T.decl('boardd', 'events'), (_t, p) => resolve(JSON.parse(p.toString()) as EventDecl[])));
  t.same(
    decls,
    [
      { topic: BOARD_BUTTON, niceName: 'Button', stateful: true, source: [{ name: 'name', type: 'xsd:string' }], data: [{ name: 'pressed', type: 'xsd:boolean' }] },
      { topic: BOARD_SWITCH, niceName: 'Switch', stateful: true, source: [{ name: 'name', type: 'xsd:string' }], data: [{ name: 'on', type: 'xsd:boolean' }] },
    ],
    'the ONVIF declarations come from the contract’s schemas',
  );
  const events: BelfryEvent[] = [];
  await subscribeEvents(bus, BOARD_SWITCH, (e) => events.push(e), 'boardd');
  t.match(events, [{ topic: BOARD_SWITCH, source: { name: 'mic' }, data: { on: true } }], 'the switch state under the contract’s topic');

  t.match(await board.state({}), { buttons: { control: false }, switches: { mic: true } });
  t.same(await board.setLed({ name: 'status', color: 'green', mode: 'flash' }), { ok: true });
  await t.rejects(board.setLed({ name: 'status', color: 'green', mode: 'blink' as never }), { code: 'bad_request' }, 'mode outside the enum');
  await t.rejects(board.setLed({ name: 'x'.repeat(65), color: 'green', mode: 'off' }), { code: 'bad_request' }, 'name longer than 64');
  await t.rejects(board.setLed({ name: 'x'.repeat(64), color: 'green', mode: 'off' }), { code: 'invalid_argument' }, 'a 64-character name passes the schema (and is no LED)');
  // the answer is the clock read back, which has moved on by the time it is read
  const last = (await board.setTime({ utcMs: CLOCK_MAX_MS })).utcMs;
  t.ok(last >= CLOCK_MAX_MS && last < CLOCK_MAX_MS + 1000, `the last settable millisecond (read back ${last - CLOCK_MAX_MS} ms later)`);
  await t.rejects(board.setTime({ utcMs: CLOCK_MAX_MS + 1 }), { code: 'bad_request' }, 'one past it');

  const app = new RpcCaller(await tb.connect(await tb.addApp('clock')));
  t.teardown(() => app.close());
  const asApp = app.client(BOARDD);
  t.equal(typeof (await asApp.getTime({})).utcMs, 'number', 'an app may read the clock');
  t.match(await asApp.state({}), { switches: { mic: true } }, 'and the board state');
  await t.rejects(asApp.setTime({ utcMs: CLOCK_MAX_MS - 1000 }), { code: 'permission_denied' }, 'not set the clock');
  await t.rejects(asApp.setLed({ name: 'status', color: 'red', mode: 'steady' }), { code: 'permission_denied' }, 'nor an LED');
  t.match(await board.state({}), { leds: { status: { color: 'green', mode: 'flash' } } }, 'the LED is as the daemon left it');
});
