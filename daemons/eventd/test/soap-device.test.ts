import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subscribeEvents, type BelfryEvent } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as audiod } from '@belfry/audiod';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as eventd } from '../src/main.js';
import { SOAP_BODY_LIMIT } from '../src/contract/soap.js';
import { addPlay, faultOf, soap, texts } from './soap-helpers.js';
import { k60EventInstances } from './soap-k60.js';

/**
 * The wiring: /vapix/services behind the real front door, with real curl --digest as the AWS script
 * sends it (Content-Type application/xml), a viewer account, and the whole of eventd's parts.
 */
t.test('SOAP through the front door', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, audiod, httpd, eventd], users: ['tester'] });
  t.teardown(() => dev.stop());
  const base = `http://127.0.0.1:${dev.httpPort}`;
  const dir = mkdtempSync(join(tmpdir(), 'eventd-soap-curl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const get = async (path: string) => (await fetch(`${base}${path}`)).text();
  await get('/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz');
  const curl = (user: string, body: string | { file: string }, type = 'application/xml') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const data = typeof body === 'string' ? (writeFileSync(join(dir, 'body.xml'), body), `@${join(dir, 'body.xml')}`) : `@${body.file}`;
      const args = ['-s', '--digest', '-u', `${user}:pass1`, '-H', `Content-Type: ${type}`, '--data-binary', data, '-o', '-', '-w', '\n%{http_code}', '--max-time', '30', `${base}/vapix/services`];
      execFile('curl', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
        if (err) return reject(err);
        const nl = stdout.lastIndexOf('\n');
        resolve({ status: Number(stdout.slice(nl + 1)), body: stdout.slice(0, nl) });
      });
    });
  // the routes arrive on the bus after the daemons start: wait until /vapix/services is served
  for (let i = 0; i < 100 && (await curl('root', soap('<act:GetActionRules/>'))).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  const addViewer = await curlGet(base, '/axis-cgi/pwdgrp.cgi?action=add&user=watcher&pwd=pass1&grp=users&sgrp=viewer');
  t.match(addViewer, /Created account watcher|already/i, 'a viewer account');

  await t.test('GetEventInstances lists every part’s topics, as K60 reads them', async (t) => {
    const r = await curl('watcher', '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetEventInstances xmlns="http://www.axis.com/vapix/ws/event1"/></s:Body></s:Envelope>', 'application/soap+xml');
    t.equal(r.status, 200);
    const topics = k60EventInstances(r.body).map((e) => e.topic);
    for (const topic of ['tns1:Device/tnsaxis:IO/VirtualInput', 'tns1:Device/tnsaxis:Status/SystemReady', 'tnsaxis:MediaClip/tnsaxis:Playing', 'tns1:AudioSource/tnsaxis:TriggerLevel', 'tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Interval']) t.ok(topics.includes(topic), topic);
  });

  await t.test('the AWS script’s configuration: an action, a rule, read back', async (t) => {
    const add = await curl('root', addPlay());
    t.equal(add.status, 200, add.body);
    const [id] = texts(add.body, 'aa:ConfigurationID');
    const rule = await curl(
      'root',
      soap(
        `<act:AddActionRule><act:NewActionRule><act:Name>Doorbell</act:Name><act:Enabled>true</act:Enabled><act:StartEvent><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">tns1:Device/tnsaxis:IO/VirtualInput</wsnt:TopicExpression><wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">boolean(//SimpleItem[@Name="port" and @Value="1"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])</wsnt:MessageContent></act:StartEvent><act:PrimaryAction>${id}</act:PrimaryAction></act:NewActionRule></act:AddActionRule>`,
      ),
      'application/soap+xml; charset=utf-8; action="http://www.axis.com/vapix/ws/action1/AddActionRule"',
    );
    t.equal(rule.status, 200, rule.body);
    const rules = await curl('watcher', soap('<act:GetActionRules/>'));
    t.match(rules.body, '<aa:Name>Doorbell</aa:Name><aa:Enabled>true</aa:Enabled>');
  });

  await t.test('ChangeVirtualInputState sets the real virtual input', async (t) => {
    const bus = await dev.tb.connect('tester');
    const seen: BelfryEvent[] = [];
    const off = await subscribeEvents(bus, 'tns1:Device/tnsaxis:IO/VirtualInput', (ev) => seen.push(ev));
    t.teardown(off);
    const r = await curl('root', soap('<aev:ChangeVirtualInputState><aev:InputNumber>7</aev:InputNumber><aev:State>true</aev:State></aev:ChangeVirtualInputState>'));
    t.match(r.body, '<aev:StateChanged>true</aev:StateChanged>');
    for (let i = 0; i < 50 && !seen.some((e) => e.source.port === 7 && e.data.active === true); i++) await new Promise((res) => setTimeout(res, 100));
    t.ok(seen.some((e) => e.source.port === 7 && e.data.active === true), 'VirtualInput port 7 active');
  });

  await t.test('a viewer reads but does not change; anonymous gets the challenge', async (t) => {
    const r = await curl('watcher', addPlay());
    t.same([r.status, faultOf(r.body).subcode], [403, 'ter:NotAuthorized']);
    const anon = await fetch(`${base}/vapix/services`, { method: 'POST', body: soap('<act:GetActionRules/>'), headers: { 'content-type': 'application/xml' } });
    t.equal(anon.status, 401);
    t.match(anon.headers.get('www-authenticate') ?? '', /^Digest realm="AXIS_/);
    await anon.body?.cancel();
  });

  await t.test('a 10 MB body: a 413 SOAP fault from the front door', async (t) => {
    const big = join(dir, 'big.xml');
    writeFileSync(big, Buffer.alloc(10 * 1024 * 1024, 0x20));
    const r = await curl('root', { file: big });
    t.equal(r.status, 413);
    t.same(faultOf(r.body).code, 'SOAP-ENV:Sender');
    const atLimit = await curl('root', soap('<act:GetActionRules/>').padEnd(SOAP_BODY_LIMIT, ' '));
    t.equal(atLimit.status, 200, 'exactly the limit passes the front door too');
  });
});

function curlGet(base: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '--digest', '-u', 'root:pass1', `${base}${path}`], (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}
