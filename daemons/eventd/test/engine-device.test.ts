import t from 'tap';
import { subscribeEvents, type BelfryEvent } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as audiod } from '@belfry/audiod';
import { daemon as eventd } from '../src/main.js';
import { until } from './engine-harness.js';

const PASS = 'engine-wiring-1';
const PLAYING = 'tnsaxis:MediaClip/tnsaxis:Playing';
const vi = (port: number) => ({ topic: 'tns1:Device/tnsaxis:IO/VirtualInput', content: `boolean(//SimpleItem[@Name="port" and @Value="${port}"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])` });

// wiring only (the semantics are tested in process): the front door → eventd's rules API → the
// engine → audiod's play and stop over the bus, on a whole device
t.test('a rule made through the front door plays a clip through audiod, and an unlimited one stops it', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, httpd, audiod, eventd], users: ['tester'] });
  t.teardown(() => dev.stop());
  const base = `http://127.0.0.1:${dev.httpPort}`;
  // the web UI's way in: a session (cookie + CSRF token) from /api/v1/session
  let session: Record<string, string> = {};
  const req = (method: string, path: string, body?: unknown) => fetch(base + path, { method, headers: { 'content-type': 'application/json', ...session }, body: body === undefined ? undefined : JSON.stringify(body) });
  const made = await fetch(`${base}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=${PASS}&grp=users&sgrp=viewer:operator:admin`);
  t.equal(made.status, 200, 'the first administrator');
  const login = await req('POST', '/api/v1/session', { user: 'root', password: PASS });
  t.equal(login.status, 200, 'logged in');
  session = { cookie: /^(belfry_session=[^;]*)/.exec(login.headers.get('set-cookie') ?? '')![1]!, 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };

  const anon = await fetch(`${base}/api/v1/events/rules`);
  t.equal(anon.status, 401, 'rules need a login');
  const templates = (await (await req('GET', '/api/v1/events/templates')).json()) as { templates: { id: string }[] };
  t.ok(templates.templates.some((x) => x.id === 'com.axis.action.fixed.play.audioclip'), "audiod's templates through the front door");

  const bus = await dev.tb.connect('tester');
  const playing: boolean[] = [];
  await subscribeEvents(bus, PLAYING, (ev: BelfryEvent) => {
    if (ev.op !== 'Initialized') playing.push(ev.data.Playing === true);
  });
  const play = (template: string, repeat: string) => ({ template, params: { location: '*', repeat, volume: '100' } });
  const once = await req('POST', '/api/v1/events/rules', { name: 'Doorbell', enabled: true, conditions: [{ ...vi(1), trigger: true }], action: play('com.axis.action.fixed.play.audioclip', '0') });
  t.equal(once.status, 201, 'a rule with a trigger and a fixed play');
  const ringer = await req('POST', '/api/v1/events/rules', { name: 'Ringer', enabled: true, conditions: [vi(2)], action: play('com.axis.action.unlimited.play.audioclip', '-1') });
  t.equal(ringer.status, 201, 'a rule with a condition and an unlimited play');

  t.equal((await req('GET', '/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=1')).status, 200);
  await until(() => playing.includes(true), 'the doorbell rule plays a clip');
  await until(() => playing.at(-1) === false, 'the clip ends');

  playing.length = 0;
  await req('GET', '/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=2');
  await until(() => playing.at(-1) === true, 'the ringer plays while port 2 is active');
  await req('GET', '/axis-cgi/virtualinput/deactivate.cgi?schemaversion=1&port=2');
  await until(() => playing.at(-1) === false, 'and stops when it is not');
  const list = (await (await req('GET', '/api/v1/events/rules')).json()) as { rules: { name: string; active: boolean }[] };
  t.same(list.rules.filter((r) => !r.name.includes(':') && r.name !== 'Loud ringer').map((r) => [r.name, r.active]), [['Doorbell', true], ['Ringer', false]]);
});
