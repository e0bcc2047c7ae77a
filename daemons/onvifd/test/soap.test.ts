import t from 'tap';
import { routeServer } from '@belfry/core/http';
import { ONVIF_BODY_LIMIT, ONVIFD_ROUTES } from '../src/contract.js';
import { DEVICE_INFO_OPS } from '../src/ops/device-info.js';
import { DEVICE_USER_OPS } from '../src/ops/device-users.js';
import type { OpContext } from '../src/soap/ops.js';
import { onvifHandler } from '../src/soap/service.js';
import { envelope, faultOf, NS, op } from './helpers.js';

/**
 * The SOAP layer in process: what is refused before any operation runs, and PRE_AUTH answers. The
 * operations here need nothing of the context (the device test runs the rest for real).
 */
const c = { ctx: { log: { error() {}, warn() {} }, audit: { write() {} }, board: { capabilities: { audioIn: true } } } } as unknown as OpContext;
const handler = onvifHandler({ ...DEVICE_INFO_OPS, ...DEVICE_USER_OPS }, c);
const app = routeServer(ONVIFD_ROUTES, Object.fromEntries(ONVIFD_ROUTES.map((r) => [r.path, handler])));
t.teardown(() => app.close());

const send = async (payload: string | Buffer, headers: Record<string, string> = {}) => {
  const r = await app.inject({ method: 'POST', url: '/onvif/device_service', payload, headers: { 'content-type': 'application/soap+xml', host: '192.0.2.7:8080', ...headers } });
  return { status: r.statusCode, body: r.body, type: String(r.headers['content-type']) };
};

t.test('refused before parsing: DOCTYPE, entity bomb, external entity', async (t) => {
  const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetServices xmlns="http://www.onvif.org/ver10/device/wsdl">&lol2;</GetServices></s:Body></s:Envelope>';
  const external = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&e;</s:Body></s:Envelope>';
  for (const body of [bomb, external]) {
    const r = await send(body);
    t.equal(r.status, 400);
    t.match(r.type, /application\/soap\+xml/);
    t.same(faultOf(r.body), { code: 'SOAP-ENV:Sender', sub: 'ter:WellFormed', reason: 'a document type or entity declaration is not allowed' });
    t.notMatch(r.body, /root:/);
  }
  const undeclared = await send(envelope(op('GetServices', NS.tds, '&lol;')));
  t.equal(faultOf(undeclared.body)?.sub, 'ter:WellFormed', 'an entity reference without a DTD');
});

t.test('not XML, not an envelope, two operations, too deep', async (t) => {
  t.equal(faultOf((await send('hello')).body)?.sub, 'ter:WellFormed');
  t.equal(faultOf((await send('<a/>')).body)?.sub, 'ter:InvalidArgs');
  t.equal(faultOf((await send(envelope(op('GetServices', NS.tds) + op('GetServices', NS.tds)))).body)?.sub, 'ter:InvalidArgs');
  const deep = await send(envelope(op('GetServices', NS.tds, '<a>'.repeat(40) + '</a>'.repeat(40))));
  t.equal(deep.status, 400);
  t.equal(faultOf(deep.body)?.sub, 'ter:MaxLimitReached');
});

t.test('an unknown operation: env:Receiver, ter:ActionNotSupported', async (t) => {
  const r = await send(envelope(op('GetPTZNodes', 'http://www.onvif.org/ver20/ptz/wsdl')));
  t.equal(r.status, 500);
  t.same(faultOf(r.body), { code: 'SOAP-ENV:Receiver', sub: 'ter:ActionNotSupported', reason: 'no operation GetPTZNodes in http://www.onvif.org/ver20/ptz/wsdl' });
  const wrongNs = await send(envelope(op('GetServices', NS.trt)));
  t.equal(faultOf(wrongNs.body)?.sub, 'ter:ActionNotSupported', 'a known name in another service');
});

t.test('the body limit, at the limit', async (t) => {
  const head = envelope(op('GetServices', NS.tds, '<IncludeCapability>false</IncludeCapability><!--'));
  const filler = (n: number) => Buffer.from(head.replace('<!--', `<!--${'x'.repeat(n)}-->`));
  const base = filler(0).length - 0;
  const atLimit = filler(ONVIF_BODY_LIMIT - base);
  t.equal(atLimit.length, ONVIF_BODY_LIMIT);
  t.equal((await send(atLimit)).status, 200, 'at the limit: served');
  const over = await send(filler(ONVIF_BODY_LIMIT - base + 1));
  t.equal(over.status, 413, 'one byte more: 413');
});

t.test('PRE_AUTH answers anyone, XAddrs from Host and scheme', async (t) => {
  const r = await send(envelope(op('GetServices', NS.tds, '<IncludeCapability>false</IncludeCapability>')));
  t.equal(r.status, 200);
  t.match(r.body, /<tds:XAddr>http:\/\/192\.0\.2\.7:8080\/onvif\/device_service<\/tds:XAddr>/);
  t.notMatch(r.body, /<tds:Capabilities>/, 'IncludeCapability false');
  const https = await send(envelope(op('GetCapabilities', NS.tds)), { 'x-belfry-proto': 'https', host: '[fe80::1]:443' });
  t.match(https.body, /<tt:XAddr>https:\/\/\[fe80::1\]:443\/onvif\/device_service<\/tt:XAddr>/);
  const badHost = await send(envelope(op('GetCapabilities', NS.tds)), { host: 'a b<c' });
  t.equal(faultOf(badHost.body)?.sub, 'ter:InvalidArgVal');
  const ptz = await send(envelope(op('GetCapabilities', NS.tds, '<Category>PTZ</Category>')));
  t.equal(faultOf(ptz.body)?.sub, 'ter:NoSuchService');
});

t.test('protected operations: no credentials 401, a role too low 403', async (t) => {
  const none = await send(envelope(op('GetDeviceInformation', NS.tds)));
  t.equal(none.status, 401, 'the front door turns it into its challenge');
  t.equal(faultOf(none.body)?.sub, 'ter:NotAuthorized');
  const empty = await send('');
  t.equal(empty.status, 401, 'a body-less probe (curl --digest) is asked for credentials');
  const viewer = await send(envelope(op('GetUsers', NS.tds)), { 'x-belfry-user': 'v', 'x-belfry-role': 'viewer', 'x-belfry-via': 'digest' });
  t.equal(viewer.status, 403);
  t.match(faultOf(viewer.body)?.reason, /GetUsers needs admin rights/);
  const anonViewer = await send(envelope(op('GetDeviceInformation', NS.tds)), { 'x-belfry-role': 'viewer', 'x-belfry-via': 'anonymous' });
  t.equal(anonViewer.status, 401, 'anonymous viewing does not open ONVIF');
  const noToken = await send(envelope(op('GetDeviceInformation', NS.tds), '<Security xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"/>'));
  t.equal(noToken.status, 400);
  t.equal(faultOf(noToken.body)?.sub, 'ter:NotAuthorized', 'a Security header without a token');
});

t.test('users per request: 16 at most, checked before any account is touched', async (t) => {
  const user = (i: number) => `<User><Username>u${i}</Username><Password>p${i}-pass</Password><UserLevel>User</UserLevel></User>`;
  const admin = { 'x-belfry-user': 'root', 'x-belfry-role': 'admin', 'x-belfry-via': 'digest' };
  const r = await send(envelope(op('CreateUsers', NS.tds, Array.from({ length: 17 }, (_, i) => user(i)).join(''))), admin);
  t.equal(r.status, 400);
  t.equal(faultOf(r.body)?.sub, 'ter:TooManyUsers');
  const level = await send(envelope(op('CreateUsers', NS.tds, '<User><Username>x</Username><Password>y-pass</Password><UserLevel>Anonymous</UserLevel></User>')), admin);
  t.equal(faultOf(level.body)?.sub, 'ter:AnonymousNotAllowed', 'no account behind the Anonymous level');
});
