import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORWARD, listenOnSocket } from '@belfry/core/http';
import { SOAP_BODY_LIMIT } from '../src/contract/soap.js';
import { addPlay, faultOf, soap, startSoapRig } from './soap-helpers.js';

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"><SOAP-ENV:Body xmlns:act="http://www.axis.com/vapix/ws/action1"><act:AddActionConfiguration><act:NewActionConfiguration><act:Name>&lol9;</act:Name><act:TemplateToken>com.axis.action.fixed.stop.audioclip</act:TemplateToken></act:NewActionConfiguration></act:AddActionConfiguration></SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const XXE = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>${soap('<act:AddActionConfiguration><act:NewActionConfiguration><act:Name>&x;</act:Name><act:TemplateToken>com.axis.action.fixed.stop.audioclip</act:TemplateToken></act:NewActionConfiguration></act:AddActionConfiguration>')}`;

t.test('malformed, hostile and unknown requests: the right fault, nothing stored, the service still answers', async (t) => {
  const rig = await startSoapRig(t);
  const cases: [string | Buffer, number, string, string, RegExp][] = [
    [soap('<act:GetFooBar/>'), 400, 'SOAP-ENV:Sender', 'ter:ActionNotSupported', /no operation GetFooBar in http:\/\/www.axis.com\/vapix\/ws\/action1/],
    [soap('<act:GetEventInstances/>'), 400, 'SOAP-ENV:Sender', 'ter:ActionNotSupported', /no operation GetEventInstances in http:\/\/www.axis.com\/vapix\/ws\/action1/],
    [soap('<GetActionRules/>', ''), 400, 'SOAP-ENV:Sender', 'ter:ActionNotSupported', /in no namespace/],
    ['hello, is this SOAP?', 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /not XML/],
    ['{"method":"GetActionRules"}', 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /not XML/],
    ['', 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /the body is empty/],
    ['<?xml version="1.0"?><!-- nothing -->', 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /no root element|not XML/],
    ['<a><b></a>', 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /not XML/],
    ['<a/><b/>', 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /more than one root/],
    ['<GetEventInstances xmlns="http://www.axis.com/vapix/ws/event1"/>', 400, 'SOAP-ENV:Sender', 'ter:InvalidArgs', /not a SOAP envelope/],
    [soap(''), 400, 'SOAP-ENV:Sender', 'ter:InvalidArgs', /holds 0 operations/],
    [soap('<act:GetActionRules/><act:GetActionRules/>'), 400, 'SOAP-ENV:Sender', 'ter:InvalidArgs', /holds 2 operations/],
    [BILLION_LAUGHS, 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /document type or entity declaration/],
    [XXE, 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /document type or entity declaration/],
    [addPlay('&undefined;'), 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /unknown entity reference '&undefined;'/],
    [addPlay('&#0;'), 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /unknown entity reference/],
    [soap('<x:GetActionRules/>'), 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /prefix 'x' is not declared/],
    [Buffer.concat([Buffer.from(addPlay('caf')), Buffer.from([0xe9, 0xff])]), 400, 'SOAP-ENV:Sender', 'ter:WellFormed', /not UTF-8/],
    [soap(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`), 400, 'SOAP-ENV:Sender', 'ter:MaxLimitReached', /nested deeper than 32/],
  ];
  for (const [body, status, code, subcode, reason] of cases) {
    const r = await rig.post(body, { type: 'application/xml' });
    t.equal(r.status, status, String(reason));
    t.equal(r.type, 'application/soap+xml; charset=utf-8');
    t.same([faultOf(r.body).code, faultOf(r.body).subcode], [code, subcode], String(reason));
    t.match(faultOf(r.body).reason, reason);
  }
  t.same([rig.store.list('actions'), rig.store.list('rules')], [[], []], 'nothing stored');
  t.equal((await rig.post(addPlay())).status, 200, 'and the service still answers');
});

t.test('the body limit: at the limit read, one byte over a 413 SOAP fault', async (t) => {
  const rig = await startSoapRig(t);
  const op = soap('<act:GetActionRules/>');
  // a comment pads the request to an exact size (the reader drops comments)
  const padded = (size: number) => `<!--${'x'.repeat(size - op.length - 7)}-->${op}`;
  t.equal(Buffer.byteLength(padded(SOAP_BODY_LIMIT)), SOAP_BODY_LIMIT);
  const at = await rig.post(padded(SOAP_BODY_LIMIT), { who: 'viewer' });
  t.equal(at.status, 200, 'exactly the limit: answered');
  t.match(at.body, '<aa:GetActionRulesResponse>');
  const over = await rig.post(padded(SOAP_BODY_LIMIT + 1), { who: 'viewer' });
  t.same([over.status, over.type], [413, 'application/soap+xml; charset=utf-8']);
  t.same([faultOf(over.body).code, faultOf(over.body).reason], ['SOAP-ENV:Sender', 'Request body too large']);
});

t.test('a 10 MB body is refused without being read whole', async (t) => {
  const rig = await startSoapRig(t);
  const dir = mkdtempSync(join(tmpdir(), 'eventd-soap-sock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socketPath = join(dir, 'http.sock');
  await listenOnSocket(rig.app, socketPath);
  const TEN_MB = 10 * 1024 * 1024;
  const send = (announce: boolean) =>
    new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      const headers: Record<string, string> = { 'content-type': 'application/xml', [FORWARD.role]: 'admin', [FORWARD.via]: 'digest', [FORWARD.user]: 'admin', ...(announce ? { 'content-length': String(TEN_MB) } : {}) };
      let sent = 0;
      let answered = false;
      const req = request({ socketPath, method: 'POST', path: '/vapix/services', headers }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), sent });
        });
      });
      req.on('error', (e) => (answered ? undefined : reject(e)));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      req.write('<!--');
      const pump = () => {
        while (!answered && sent < TEN_MB) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    });
  for (const announce of [true, false]) {
    const r = await send(announce);
    const how = announce ? 'announced' : 'chunked';
    t.equal(r.status, 413, `${how}: 413`);
    t.same(faultOf(r.body).code, 'SOAP-ENV:Sender', `${how}: a SOAP fault`);
    t.ok(r.sent < TEN_MB, `${how}: answered after ${r.sent} of ${TEN_MB} bytes were sent`);
  }
  t.equal((await rig.post(soap('<act:GetActionRules/>'), { who: 'viewer' })).status, 200, 'still answering');
});
