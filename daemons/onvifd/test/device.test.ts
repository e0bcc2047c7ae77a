import t from 'tap';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as eventd } from '@belfry/eventd';
import { daemon as onvifd } from '../src/main.js';
import { envelope, faultOf, NS, op, post, texts, wsse } from './helpers.js';

/**
 * The wiring: onvifd behind the real front door with eventd's events, httpd's accounts and paramd's
 * params. Handler details are in soap.test.ts and subscriptions.test.ts.
 */
t.test('ONVIF through the front door', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, httpd, eventd, onvifd] });
  t.teardown(() => dev.stop());
  const base = `http://127.0.0.1:${dev.httpPort}`;
  const device = `${base}/onvif/device_service`;
  const services = `${base}/onvif/services`;
  await fetch(`${base}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz`);
  const time = envelope(op('GetSystemDateAndTime', NS.tds));
  for (let i = 0; i < 100 && (await post(device, time)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  // curl --digest, async: the device runs in this process
  const curl = (url: string, body?: string) =>
    new Promise<string>((resolve, reject) =>
      execFile('curl', ['-s', '--digest', '-u', 'root:pass1', ...(body ? ['-H', 'Content-Type: application/soap+xml', '--data-binary', body] : []), '-w', '\n%{http_code}', '--max-time', '20', url], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
  const as = (user: string, pass: string, body: string, url = device, opts?: Parameters<typeof wsse>[2]) => post(url, envelope(body, wsse(user, pass, opts)));

  await t.test('GetSystemDateAndTime without credentials, XAddrs from Host', async (t) => {
    const r = await post(device, time);
    t.equal(r.status, 200);
    t.match(r.body, /<tt:UTCDateTime><tt:Time><tt:Hour>\d+<\/tt:Hour>/);
    t.match(r.body, /<tt:DateTimeType>NTP<\/tt:DateTimeType>/);
    const s = await post(device, envelope(op('GetServices', NS.tds, '<IncludeCapability>true</IncludeCapability>')), { host: 'camera.example:8899' });
    t.equal(s.status, 200);
    t.ok(texts(s.body, 'XAddr').every((x) => x.startsWith('http://camera.example:8899/')), 'every XAddr from Host');
    t.notMatch(s.body, /ver20\/media/, 'no Media2');
    t.match(s.body, /WSPullPointSupport="true"/);
    const caps = await post(device, envelope(op('GetCapabilities', NS.tds, '<Category>All</Category>')), { host: '10.1.2.3' });
    t.match(caps.body, /<tt:Media><tt:XAddr>http:\/\/10\.1\.2\.3\/onvif\/services<\/tt:XAddr>/);
  });

  await t.test('WS-Security: digest, text, wrong password, replay, Created an hour off', async (t) => {
    const info = op('GetDeviceInformation', NS.tds);
    const ok = await as('root', 'pass1', info);
    t.equal(ok.status, 200, ok.body);
    t.match(texts(ok.body, 'SerialNumber')[0], /^02BE1F[0-9A-F]{6}$/, 'the serial number');
    t.match(ok.body, /<tds:Model>[^<]+<\/tds:Model>/);
    t.equal((await as('root', 'pass1', info, device, { text: true })).status, 200, 'PasswordText');
    const wrong = await as('root', 'nope', info);
    t.equal(wrong.status, 400);
    t.same(faultOf(wrong.body)?.sub, 'ter:NotAuthorized');
    const nonce = randomBytes(16);
    const created = new Date().toISOString();
    t.equal((await as('root', 'pass1', info, device, { nonce, created })).status, 200);
    const replay = await as('root', 'pass1', info, device, { nonce, created });
    t.equal(replay.status, 400, 'a replayed nonce is refused');
    t.match(faultOf(replay.body)?.reason, /used before/);
    const old = await as('root', 'pass1', info, device, { created: new Date(Date.now() - 3600_000).toISOString() });
    t.equal(old.status, 400, 'Created an hour off');
    t.match(faultOf(old.body)?.reason, /clock window/);
    const none = await post(device, envelope(info));
    t.equal(none.status, 401, 'no credentials: the Digest challenge');
    t.match(String(none.headers['www-authenticate']), /^Digest realm="AXIS_/);
    t.equal((await as('root', 'nope', op('GetSystemDateAndTime', NS.tds))).status, 200, 'PRE_AUTH ignores wrong credentials');
  });

  await t.test('HTTP Digest through the front door (curl)', async (t) => {
    const out = await curl(device, envelope(op('GetDeviceInformation', NS.tds)));
    t.match(out, /<tds:Manufacturer>/);
    t.match(out, /\n200$/);
  });

  await t.test('users are the device accounts', async (t) => {
    const create = op('CreateUsers', NS.tds, '<User><Username xmlns="http://www.onvif.org/ver10/schema">vms</Username><Password xmlns="http://www.onvif.org/ver10/schema">vms-pass</Password><UserLevel xmlns="http://www.onvif.org/ver10/schema">Operator</UserLevel></User>');
    t.equal((await as('root', 'pass1', create)).status, 200);
    const again = await as('root', 'pass1', create);
    t.equal(faultOf(again.body)?.sub, 'ter:UsernameClash');
    const users = await as('root', 'pass1', op('GetUsers', NS.tds));
    t.match(users.body, /<tt:Username>vms<\/tt:Username><tt:UserLevel>Operator<\/tt:UserLevel>/);
    t.notMatch(users.body, /vms-pass/, 'no password listed');
    const pwdgrp = await (await fetch(`${base}/axis-cgi/pwdgrp.cgi?action=get`, { headers: {} })).status;
    t.equal(pwdgrp, 401, 'pwdgrp.cgi is protected as before');
    t.equal((await as('vms', 'vms-pass', op('GetDeviceInformation', NS.tds))).status, 200, 'the new user logs in');
    const denied = await as('vms', 'vms-pass', op('GetUsers', NS.tds));
    t.equal(denied.status, 403, 'an operator may not list users');
    t.equal((await as('root', 'pass1', op('DeleteUsers', NS.tds, '<Username>vms</Username>'))).status, 200);
    t.equal((await as('vms', 'vms-pass', op('GetDeviceInformation', NS.tds))).status, 400, 'gone');
  });

  await t.test('scopes and discovery mode are params', async (t) => {
    const add = await as('root', 'pass1', op('AddScopes', NS.tds, '<ScopeItem>onvif://www.onvif.org/location/hall</ScopeItem>'.replace(/ScopeItem/g, 'Scopes')));
    t.equal(add.status, 200, add.body);
    const list = await as('root', 'pass1', op('GetScopes', NS.tds));
    t.match(list.body, /<tt:ScopeDef>Configurable<\/tt:ScopeDef><tt:ScopeItem>onvif:\/\/www\.onvif\.org\/location\/hall</);
    t.match(list.body, /<tt:ScopeDef>Fixed<\/tt:ScopeDef><tt:ScopeItem>onvif:\/\/www\.onvif\.org\/hardware\//);
    const bad = await as('root', 'pass1', op('SetScopes', NS.tds, '<Scopes>http://evil</Scopes>'));
    t.equal(faultOf(bad.body)?.sub, 'ter:InvalidArgVal');
    t.equal((await as('root', 'pass1', op('SetDiscoveryMode', NS.tds, '<DiscoveryMode>NonDiscoverable</DiscoveryMode>'))).status, 200);
    t.match(await curl(`${base}/axis-cgi/param.cgi?action=list&group=WebService.DiscoveryMode`), /root\.WebService\.DiscoveryMode=NonDiscoverable/, 'the param discoveryd reads');
    const mode = await as('root', 'pass1', op('GetDiscoveryMode', NS.tds));
    t.match(mode.body, /NonDiscoverable/);
  });

  await t.test('network, time and media answers', async (t) => {
    for (const name of ['GetNetworkInterfaces', 'GetDNS', 'GetNTP', 'GetNetworkProtocols']) t.equal((await as('root', 'pass1', op(name, NS.tds))).status, 200, name);
    t.match((await post(device, envelope(op('GetHostname', NS.tds)))).body, /<tt:Name>belfry-/);
    const set = await as('root', 'pass1', op('SetSystemDateAndTime', NS.tds, '<DateTimeType>Manual</DateTimeType><DaylightSavings>false</DaylightSavings><TimeZone><TZ xmlns="http://www.onvif.org/ver10/schema">CET-1CEST,M3.5.0,M10.5.0/3</TZ></TimeZone><UTCDateTime><Date xmlns="http://www.onvif.org/ver10/schema"><Year>2030</Year><Month>2</Month><Day>3</Day></Date><Time xmlns="http://www.onvif.org/ver10/schema"><Hour>4</Hour><Minute>5</Minute><Second>6</Second></Time></UTCDateTime>'));
    t.equal(set.status, 200, set.body);
    const now = await post(device, time);
    t.match(now.body, /<tt:DateTimeType>Manual<\/tt:DateTimeType>/);
    t.match(now.body, /<tt:TZ>CET-1CEST,M3\.5\.0,M10\.5\.0\/3<\/tt:TZ>/);
    t.match(now.body, /<tt:UTCDateTime>.*<tt:Year>2030<\/tt:Year><tt:Month>2<\/tt:Month><tt:Day>3<\/tt:Day>/);
    const feb30 = await as('root', 'pass1', op('SetSystemDateAndTime', NS.tds, '<DateTimeType>Manual</DateTimeType><DaylightSavings>false</DaylightSavings><UTCDateTime><Date><Year>2030</Year><Month>2</Month><Day>30</Day></Date><Time><Hour>4</Hour><Minute>5</Minute><Second>6</Second></Time></UTCDateTime>'));
    t.equal(faultOf(feb30.body)?.sub, 'ter:InvalidDateTime');
    const profiles = await as('root', 'pass1', op('GetProfiles', NS.trt), services);
    t.match(profiles.body, /<trt:Profiles token="profile_audio_1" fixed="true"><tt:Name>Speaker<\/tt:Name>/);
    t.match(profiles.body, /<tt:Extension><tt:AudioOutputConfiguration token="aoc_0">/);
    t.match((await as('root', 'pass1', op('GetVideoSources', NS.trt), services)).body, /<trt:GetVideoSourcesResponse><\/trt:GetVideoSourcesResponse>/, 'no video sources');
    t.match((await as('root', 'pass1', op('GetAudioOutputs', NS.trt), services)).body, /<trt:AudioOutputs token="AudioOutput_0"\/>/);
    t.match((await as('root', 'pass1', op('GetAudioOutputs', NS.tmd), services)).body, /<tmd:Token>AudioOutput_0<\/tmd:Token>/);
    const uri = await as('root', 'pass1', op('GetStreamUri', NS.trt, '<ProfileToken>profile_audio_1</ProfileToken>'), services);
    t.equal(uri.status, 500);
    t.equal(faultOf(uri.body)?.sub, 'ter:ActionNotSupported');
  });

  await t.test('a 10 MB body gets 413 as a SOAP fault', async (t) => {
    const big = envelope(op('GetDeviceInformation', NS.tds, 'x'.repeat(10 * 1024 * 1024)));
    const r = await post(device, big).catch((e: Error) => ({ status: 0, body: e.message, headers: {} }));
    t.equal(r.status, 413);
    t.match(r.body, /Fault/);
    t.equal((await post(device, time)).status, 200, 'still serving');
  });

  await t.test('events: pull point with Initialized first, a change, renew, unsubscribe', async (t) => {
    const props = await as('root', 'pass1', op('GetEventProperties', NS.tev), services);
    t.match(props.body, /<tns1:Device><tnsaxis:IO><VirtualInput wstop:topic="true"><tt:MessageDescription IsProperty="true"><tt:Source><tt:SimpleItemDescription Name="port" Type="xsd:int"\/>/);
    const filter = '<Filter><TopicExpression xmlns="http://docs.oasis-open.org/wsn/b-2" Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet" xmlns:tns1="http://www.onvif.org/ver10/topics" xmlns:tnsaxis="http://www.axis.com/2009/event/topics">tns1:Device/tnsaxis:IO/VirtualInput</TopicExpression></Filter>';
    const created = await as('root', 'pass1', op('CreatePullPointSubscription', NS.tev, `${filter}<InitialTerminationTime>PT2M</InitialTerminationTime>`), services);
    t.equal(created.status, 200, created.body);
    const address = texts(created.body, 'Address')[0]!;
    t.match(address, /^http:\/\/127\.0\.0\.1:\d+\/onvif\/services\?subscription=\d+$/);
    const id = texts(created.body, 'SubscriptionId')[0]!;
    const sid = `<a:To xmlns:a="http://www.w3.org/2005/08/addressing">${address}</a:To><SubscriptionId xmlns="http://www.axis.com/2009/event">${id}</SubscriptionId>`;
    const pull = (timeout = 'PT5S') => post(services, envelope(op('PullMessages', NS.tev, `<Timeout>${timeout}</Timeout><MessageLimit>100</MessageLimit>`), wsse('root', 'pass1') + sid));
    const first = await pull();
    t.equal(first.status, 200, first.body);
    t.match(first.body, /PropertyOperation="Initialized"/);
    t.notMatch(first.body, /Button|Switch/, 'only the filtered topic');
    const held = pull('PT20S');
    await new Promise((r) => setTimeout(r, 300));
    await curl(`${base}/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=6`);
    const change = await held;
    t.match(change.body, /PropertyOperation="Changed"/, 'the held pull answers with the change');
    t.match(change.body, /<tt:SimpleItem Name="port" Value="6"\/>/);
    const renew = await post(services, envelope(op('Renew', NS.wsnt, '<TerminationTime>PT3M</TerminationTime>'), wsse('root', 'pass1') + sid));
    t.match(renew.body, /<wsnt:RenewResponse><wsnt:TerminationTime>\d{4}-/);
    const byAddress = await post(address, envelope(op('SetSynchronizationPoint', NS.tev), wsse('root', 'pass1')));
    t.equal(byAddress.status, 200, 'the address alone names the subscription');
    t.equal((await post(services, envelope(op('Unsubscribe', NS.wsnt), wsse('root', 'pass1') + sid))).status, 200);
    const gone = await pull();
    t.equal(faultOf(gone.body)?.sub, 'wsrf-rw:ResourceUnknownFault');
  });

  await t.test('events: base notification pushes Notify to the consumer', async (t) => {
    const got: string[] = [];
    const consumer = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c));
      req.on('end', () => {
        got.push(b);
        res.end();
      });
    });
    await new Promise<void>((r) => consumer.listen(0, '127.0.0.1', r));
    t.teardown(() => consumer.close());
    const port = (consumer.address() as { port: number }).port;
    const sub = await as('root', 'pass1', op('Subscribe', NS.wsnt, `<ConsumerReference><Address xmlns="http://www.w3.org/2005/08/addressing">http://127.0.0.1:${port}/notify</Address></ConsumerReference><InitialTerminationTime>PT1M</InitialTerminationTime>`), services);
    t.equal(sub.status, 200, sub.body);
    for (let i = 0; i < 50 && !got.length; i++) await new Promise((r) => setTimeout(r, 100));
    t.match(got[0], /<wsnt:Notify><wsnt:NotificationMessage>/, 'Initialized states pushed');
  });
});
