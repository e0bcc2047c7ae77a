import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { subscribeEvents, type BelfryEvent } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as audiod } from '@belfry/audiod';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as eventd } from '../src/main.js';

interface Res {
  status: number;
  type: string;
  body: string;
}

function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Res & { challenge?: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8'), challenge: res.headers['www-authenticate'] as string | undefined }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** A request with Digest, taking a fresh 401 first (as FF and K74 do). */
async function digest(port: number, method: string, path: string, user: string, pw: string, body?: string, type = 'application/json'): Promise<Res> {
  const headers: Record<string, string> = body ? { 'Content-Type': type } : {};
  let first = await raw(port, method, path, headers, body);
  if (first.status !== 401) return first;
  // the JSON API answers 401 without a challenge (no browser login box): take one from a CGI
  if (!first.challenge) first = await raw(port, 'GET', '/axis-cgi/usergroup.cgi');
  const realm = /realm="([^"]*)"/.exec(first.challenge!)![1]!;
  const nonce = /nonce="([^"]*)"/.exec(first.challenge!)![1]!;
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const response = md5(`${md5(`${user}:${realm}:${pw}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`${method}:${path}`)}`);
  const auth = `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}"`;
  return raw(port, method, path, { Authorization: auth, ...headers }, body);
}

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The wiring, once, through the real front door: routes forwarded, roles enforced, events on the bus. */
t.test('eventd on a device: virtual inputs, manual trigger, schedules and SystemReady through httpd and the bus', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, audiod, httpd, eventd], users: ['tester'] });
  t.teardown(() => dev.stop());
  const port = dev.httpPort;
  const bus = await dev.tb.connect('tester');
  const seen: BelfryEvent[] = [];
  await subscribeEvents(bus, 'tns1:Device/#', (ev) => seen.push(ev), 'eventd');
  await subscribeEvents(bus, 'tns1:UserAlarm/#', (ev) => seen.push(ev), 'eventd');
  const of = (topic: string) => seen.filter((e) => e.topic === topic);

  // every instance Initialized (retained, so a late subscriber has them too), inactive
  const vi = await until('32 virtual inputs', () => of('tns1:Device/tnsaxis:IO/VirtualInput').length >= 32 && of('tns1:Device/tnsaxis:IO/VirtualInput'));
  t.same(vi.map((e) => Number(e.source.port)).sort((a, b) => a - b), Array.from({ length: 32 }, (_, i) => i + 1));
  t.ok(vi.every((e) => e.op === 'Initialized' && e.data.active === false), 'all Initialized inactive');
  t.equal(of('tns1:Device/tnsaxis:IO/VirtualPort').length, 32, '32 manual triggers');
  await until('SystemReady true', () => of('tns1:Device/tnsaxis:Status/SystemReady').some((e) => e.data.ready === true));
  const intervals = await until('the default schedules', () => of('tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Interval').length >= 4 && of('tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Interval'));
  t.same(intervals.map((e) => e.source.id).sort(), ['1', '2', '3', '4']);

  const admin = await raw(port, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz');
  t.match(admin.body, /Created account root/);
  for (const [user, sgrp] of [['op', 'viewer:operator'], ['view', 'viewer']]) {
    t.match((await digest(port, 'GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${user}&pwd=${user}1&grp=users&sgrp=${sgrp}`, 'root', 'pass1')).body, /Created account/);
  }

  const activate = '/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=10';
  const on = await until('the declared routes in the front door', async () => {
    const r = await digest(port, 'GET', activate, 'op', 'op1');
    return r.status !== 404 && r;
  });
  t.equal(on.status, 200);
  t.match(on.type, /^text\/xml/);
  t.match(on.body, /<ActivateSuccess><StateChanged>true<\/StateChanged><\/ActivateSuccess>/);
  const changed = await until('VirtualInput 10 Changed', () => of('tns1:Device/tnsaxis:IO/VirtualInput').find((e) => e.op === 'Changed'));
  t.match(changed, { source: { port: 10 }, data: { active: true }, producer: 'eventd' });
  t.equal((await digest(port, 'GET', activate, 'view', 'view1')).status, 403, 'virtual inputs are operator level');
  t.equal((await raw(port, 'GET', activate)).status, 401);
  t.equal(errorCode((await digest(port, 'GET', '/axis-cgi/virtualinput/activate.cgi?schemaversion=2&port=10', 'op', 'op1')).body), 30, 'a bad request answers its GeneralError through the front door');

  const trig = await digest(port, 'GET', '/axis-cgi/io/virtualinput.cgi?action=6%3A%2F', 'view', 'view1');
  t.equal(trig.status, 200, 'the manual trigger is viewer level');
  await until('VirtualPort 6 Changed', () => of('tns1:Device/tnsaxis:IO/VirtualPort').find((e) => e.op === 'Changed' && e.source.port === 6 && e.data.state === true));

  const list = await digest(port, 'GET', '/api/v1/events/schedules?next=1', 'root', 'pass1');
  t.equal(list.status, 200);
  const office = (JSON.parse(list.body) as { schedules: { name: string; next: { start: string }[] }[] }).schedules[0]!;
  t.equal(office.name, 'Office hours');
  t.equal((await digest(port, 'GET', '/api/v1/events/schedules', 'op', 'op1')).status, 403, 'schedules are admin level');
  // the device's time zone is followed: 08:00 in Tokyo is 23:00 UTC
  t.match((await digest(port, 'GET', '/axis-cgi/param.cgi?action=update&Time.TimeZone=Asia/Tokyo', 'root', 'pass1')).body, /OK/);
  await until('schedules re-planned in Asia/Tokyo', async () => {
    const r = JSON.parse((await digest(port, 'GET', '/api/v1/events/schedules?next=1', 'root', 'pass1')).body) as { timeZone: string; schedules: { next: { start: string }[] }[] };
    return r.timeZone === 'Asia/Tokyo' && /T23:00:00/.test(r.schedules[0]!.next[0]!.start);
  });
  const made = await digest(port, 'POST', '/api/v1/events/schedules', 'root', 'pass1', JSON.stringify({ name: 'Short', ical: 'DTSTART:19700101T000000\nDTEND:19700101T000001\nRRULE:FREQ=DAILY' }));
  t.equal(made.status, 201);
  const id = String((JSON.parse(made.body) as { id: number }).id);
  await until('the new schedule Initialized', () => of('tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Interval').find((e) => e.source.id === id));
  t.equal((await digest(port, 'DELETE', `/api/v1/events/schedules/${id}`, 'root', 'pass1')).status, 200);
  await until('its instance Deleted', () => of('tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Interval').find((e) => e.source.id === id && e.op === 'Deleted'));

  // end to end: a rule triggered by virtual input 2 plays a clip (SOAP action1, the engine, audiod)
  const soap = async (body: string) => {
    const r = await digest(port, 'POST', '/vapix/services', 'root', 'pass1', `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><SOAP-ENV:Body xmlns:act="http://www.axis.com/vapix/ws/action1">${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`, 'application/soap+xml');
    t.equal(r.status, 200, r.body.slice(0, 300));
    return r.body;
  };
  const params = [['location', '*'], ['audiooutput', ''], ['audiodeviceid', '0'], ['audiooutputid', '0'], ['repeat', '0'], ['volume', '100']].map(([n, v]) => `<act:Parameter Name="${n}" Value="${v}"/>`).join('');
  const conf = /<aa:ConfigurationID>(\d+)</.exec(await soap(`<act:AddActionConfiguration><act:NewActionConfiguration><act:Name>Play</act:Name><act:TemplateToken>com.axis.action.fixed.play.audioclip</act:TemplateToken><act:Parameters>${params}</act:Parameters></act:NewActionConfiguration></act:AddActionConfiguration>`))?.[1];
  t.ok(conf, 'action configuration added');
  const content = 'boolean(//SimpleItem[@Name="port" and @Value="2"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])';
  await soap(
    `<act:AddActionRule><act:NewActionRule><act:Name>VI 2 plays</act:Name><act:Enabled>true</act:Enabled><act:StartEvent><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">tns1:Device/tnsaxis:IO/VirtualInput</wsnt:TopicExpression><wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">${content.replace(/"/g, '&quot;')}</wsnt:MessageContent></act:StartEvent><act:PrimaryAction>${conf}</act:PrimaryAction></act:NewActionRule></act:AddActionRule>`,
  );
  const playing: BelfryEvent[] = [];
  await subscribeEvents(bus, 'tnsaxis:MediaClip/tnsaxis:Playing', (ev) => playing.push(ev), 'audiod');
  t.match((await digest(port, 'GET', '/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=2&duration=0', 'op', 'op1')).body, /<StateChanged>true</);
  await until('the clip playing', () => playing.some((e) => e.data.Playing === true));

  const props = await digest(port, 'GET', '/axis-cgi/param.cgi?action=list&group=Properties.VirtualInput', 'view', 'view1');
  t.match(props.body, /Properties\.VirtualInput\.VirtualInput=yes/);
});

function errorCode(body: string): number {
  return Number(/<ErrorCode>(\d+)<\/ErrorCode>/.exec(body)?.[1]);
}
