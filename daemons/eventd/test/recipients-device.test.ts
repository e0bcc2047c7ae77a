import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { PARAMD } from '@belfry/core';
import { httpRequest as raw, startDevice, type TestHttpAnswer } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as eventd } from '../src/main.js';
import { listen } from './recipients-helpers.js';

const PASSWORD = 'pw-' + randomBytes(6).toString('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Every answer the test got, to look for the password in. */
const answers: string[] = [];

async function admin(port: number, method: string, path: string, body?: string, type = 'application/json'): Promise<TestHttpAnswer> {
  let first = await raw(port, method, path, body ? { 'Content-Type': type } : {}, body);
  if (first.status !== 401) return first;
  if (!first.challenge) first = await raw(port, 'GET', '/axis-cgi/usergroup.cgi');
  const realm = /realm="([^"]*)"/.exec(first.challenge!)![1]!;
  const nonce = /nonce="([^"]*)"/.exec(first.challenge!)![1]!;
  const cnonce = randomBytes(8).toString('hex');
  const response = md5(`${md5(`root:${realm}:pass1`)}:${nonce}:00000001:${cnonce}:auth:${md5(`${method}:${path}`)}`);
  const auth = `Digest username="root", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}"`;
  const r = await raw(port, method, path, { Authorization: auth, ...(body ? { 'Content-Type': type } : {}) }, body);
  answers.push(r.body);
  return r;
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const soap = (body: string) =>
  `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><SOAP-ENV:Header/><SOAP-ENV:Body xmlns:act="http://www.axis.com/vapix/ws/action1">${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
const param = (n: string, v: string) => `<act:Parameter Name="${n}" Value="${v}"/>`;

/** The wiring, once: the JSON API through the front door, the password in paramd only, a rule's notification sent. */
t.test('recipients on a device: JSON API, SOAP, a rule that notifies, the password nowhere but its secret param', async (t) => {
  const logged: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => (logged.push(String(chunk)), write(chunk, ...rest))) as typeof stream.write;
    t.teardown(() => void (stream.write = write));
  }
  const dev = await startDevice({ daemons: [paramd, boardd, httpd, eventd] });
  t.teardown(() => dev.stop());
  const port = dev.httpPort;
  t.match((await raw(port, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz')).body, /Created account root/);

  // a Digest server that only takes cam / PASSWORD
  const seen: { url: string; body: string }[] = [];
  const nonce = randomBytes(8).toString('hex');
  const hport = await listen(
    http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const a = req.headers.authorization ?? '';
        const p = Object.fromEntries([...a.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
        const ok = p.response === md5(`${md5(`cam:r:${PASSWORD}`)}:${nonce}:${p.nc}:${p.cnonce}:auth:${md5(`${req.method}:${req.url}`)}`);
        if (!ok) {
          res.writeHead(401, { 'www-authenticate': `Digest realm="r", qop="auth", nonce="${nonce}"` });
          return res.end();
        }
        seen.push({ url: req.url!, body });
        res.end();
      });
    }),
    t,
  );

  const made = await admin(port, 'POST', '/api/v1/events/recipients', JSON.stringify({ name: 'VMS', template: 'com.axis.recipient.http', params: { upload_url: `http://127.0.0.1:${hport}/notify`, login: 'cam' }, password: PASSWORD }));
  t.equal(made.status, 201, made.body);
  const rec = JSON.parse(made.body) as { id: number; passwordSet: boolean; params: Record<string, string> };
  t.match(rec, { passwordSet: true, params: { login: 'cam' } });
  t.notOk('password' in rec.params);
  t.match(JSON.parse((await admin(port, 'GET', '/api/v1/events/recipients')).body), { recipients: [{ id: rec.id, passwordSet: true }] });
  const kinds = JSON.parse((await admin(port, 'GET', '/api/v1/events/recipients/templates')).body) as { templates: { id: string; params: { name: string; secret?: boolean }[] }[] };
  t.same(kinds.templates.map((k) => k.id.replace('com.axis.recipient.', '')), ['http', 'https', 'smtp', 'tcp', 'ftp', 'sftp'], 'the recipient types for the web UI’s form');
  t.same(kinds.templates.find((k) => k.id.endsWith('.http'))?.params.filter((p) => p.secret).map((p) => p.name), ['password'], 'the password marked secret (sent as `password`)');
  t.same(JSON.parse((await admin(port, 'POST', `/api/v1/events/recipients/${rec.id}/test`, '{}')).body), { ok: true }, 'the saved password answers the Digest challenge');
  t.equal(seen.length, 1);
  const wrong = JSON.parse((await admin(port, 'POST', '/api/v1/events/recipients/test', JSON.stringify({ template: 'com.axis.recipient.http', params: { upload_url: `http://127.0.0.1:${hport}/notify`, login: 'cam' }, password: 'nope' }))).body);
  t.match(wrong, { ok: false, error: { code: 'unavailable', message: /answered 401/ } }, 'an unsaved recipient tested with what it was given');
  t.match(JSON.parse((await admin(port, 'POST', '/api/v1/events/recipients/test', JSON.stringify({ id: rec.id, template: 'com.axis.recipient.http', params: { upload_url: `http://127.0.0.1:${hport}/notify`, login: 'cam' } }))).body), { ok: true }, 'editing: the saved password is used');

  const put = await admin(port, 'PUT', `/api/v1/events/recipients/${rec.id}`, JSON.stringify({ name: 'VMS 2', template: 'com.axis.recipient.http', params: { upload_url: `http://127.0.0.1:${hport}/notify`, login: 'cam' } }));
  t.match(JSON.parse(put.body), { name: 'VMS 2', passwordSet: true }, 'a change without the password keeps it');

  // bad input: the protocol's error, nothing stored
  const bad = await admin(port, 'POST', '/api/v1/events/recipients', JSON.stringify({ name: 'x', template: 'com.axis.recipient.http', params: { upload_url: 'ftp://x/' } }));
  t.match(bad, { status: 400 });
  t.match(JSON.parse(bad.body), { error: { code: 'invalid_argument', message: /http URL/ } });
  t.equal((await admin(port, 'POST', '/api/v1/events/recipients', JSON.stringify({ name: 'x', template: 'com.axis.recipient.http', params: { password: 'x', upload_url: 'http://x/' } }))).status, 400, 'the password only as password');
  t.equal((await admin(port, 'POST', '/api/v1/events/recipients', JSON.stringify({ name: 'x', template: 'com.axis.recipient.tcp', params: { host: 'h', port: '1', extra: '' } }))).status, 400, 'an extra parameter');
  t.equal((await admin(port, 'GET', '/api/v1/events/recipients/99')).status, 404);
  t.equal(JSON.parse((await admin(port, 'GET', '/api/v1/events/recipients')).body).recipients.length, 1);

  // a rule: virtual input 3 → notification through the recipient, event data substituted
  const action = await admin(port, 'POST', '/vapix/services', soap(`<act:AddActionConfiguration><act:NewActionConfiguration><act:Name>Notify VMS</act:Name><act:TemplateToken>com.axis.action.fixed.notification.http</act:TemplateToken><act:Parameters>${param('recipient_id', String(rec.id))}${param('message', 'input #{port} is #{active}')}${param('parameters', 'port=#{port}&amp;topic=#E')}${param('method', 'POST')}${param('http_headers', '')}${param('body', '')}</act:Parameters></act:NewActionConfiguration></act:AddActionConfiguration>`), 'application/xml');
  const actionId = /ConfigurationID>(\d+)</.exec(action.body)?.[1];
  t.ok(actionId, action.body);
  const content = 'boolean(//SimpleItem[@Name="port" and @Value="3"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])';
  const rule = await admin(port, 'POST', '/vapix/services', soap(`<act:AddActionRule><act:NewActionRule><act:Name>VI3</act:Name><act:Enabled>true</act:Enabled><act:StartEvent><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">tns1:Device/tnsaxis:IO/VirtualInput</wsnt:TopicExpression><wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">${content.replace(/"/g, '&quot;')}</wsnt:MessageContent></act:StartEvent><act:PrimaryAction>${actionId}</act:PrimaryAction></act:NewActionRule></act:AddActionRule>`), 'application/xml');
  t.match(rule.body, /RuleID>\d+</, rule.body);
  t.match((await admin(port, 'GET', '/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=3')).body, /VirtualInputResponse/);
  const sent = await until('the notification', () => seen.find((s) => s.url.startsWith('/notify?port=3')));
  t.same(sent, { url: '/notify?port=3&topic=tns1%3ADevice%2Ftnsaxis%3AIO%2FVirtualInput', body: 'input 3 is true' });
  t.equal((await admin(port, 'DELETE', `/api/v1/events/recipients/${rec.id}`)).status, 409, 'refused while the action sends through it');

  // SOAP: a recipient with a password; listed without it, kept as a secret param
  const soapAdd = await admin(port, 'POST', '/vapix/services', soap(`<act:AddRecipientConfiguration><act:NewRecipientConfiguration><act:Name>Mail</act:Name><act:TemplateToken>com.axis.recipient.smtp</act:TemplateToken><act:Parameters>${['email_to=a@example.com', 'email_from=b@example.com', 'host=127.0.0.1', 'port=', 'encryption=', 'validate_server_cert=', 'login=cam', `password=${PASSWORD}`].map((kv) => param(kv.split('=')[0]!, kv.split('=')[1]!)).join('')}</act:Parameters></act:NewRecipientConfiguration></act:AddRecipientConfiguration>`), 'application/xml');
  const soapId = Number(/ConfigurationID>(\d+)</.exec(soapAdd.body)?.[1]);
  t.ok(soapId, soapAdd.body);
  t.match(JSON.parse((await admin(port, 'GET', `/api/v1/events/recipients/${soapId}`)).body), { passwordSet: true });
  t.notMatch((await admin(port, 'POST', '/vapix/services', soap('<act:GetRecipientConfigurations/>'), 'application/xml')).body, PASSWORD);
  t.equal((await admin(port, 'DELETE', `/api/v1/events/recipients/${soapId}`)).status, 200);

  // at most 20: the 21st refused through the API, nothing stored
  const tcp = (i: number) => JSON.stringify({ name: `t${i}`, template: 'com.axis.recipient.tcp', params: { host: '127.0.0.1', port: String(2000 + i) } });
  for (let i = 2; i <= 20; i++) t.equal((await admin(port, 'POST', '/api/v1/events/recipients', tcp(i))).status, 201);
  const over = await admin(port, 'POST', '/api/v1/events/recipients', tcp(21));
  t.match({ status: over.status, body: JSON.parse(over.body) }, { status: 409, body: { error: { code: 'limit_exceeded' } } });
  t.equal(JSON.parse((await admin(port, 'GET', '/api/v1/events/recipients')).body).recipients.length, 20);

  // the password: in paramd's secret param only; gone from it with its recipient
  const paramsFile = join(dev.root, 'var/lib/belfry/paramd/params.json');
  await until('one password in params', () => (readFileSync(paramsFile, 'utf8').match(/Event\.Recipient\.R\d+\.Password/g) ?? []).length === 1);
  for (const f of filesUnder(dev.root).filter((f) => !/paramd\/params(\.copy)?\.json$/.test(f) && !f.endsWith('.sock'))) {
    t.notOk(readFileSync(f).includes(PASSWORD), `not in ${f.slice(dev.root.length)}`);
  }
  t.notOk(answers.some((a) => a.includes(PASSWORD)), 'in no API answer');
  t.notOk(logged.some((l) => l.includes(PASSWORD)), 'in no log line');

  // a params restore drops the secret params: the recipient stays, without its password, and takes a new one
  await dev.running.eventd!.ctx.rpc.client(PARAMD).restore({});
  const root = await raw(port, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz');
  t.match(root.body, /Created account root/, 'the accounts went with the restore: root again');
  const view = async () => JSON.parse((await admin(port, 'GET', `/api/v1/events/recipients/${rec.id}`)).body) as { passwordSet: boolean };
  for (let i = 0; i < 100 && (await view()).passwordSet; i++) await new Promise((r) => setTimeout(r, 50));
  t.match(await view(), { passwordSet: false });
  const again = await admin(port, 'PUT', `/api/v1/events/recipients/${rec.id}`, JSON.stringify({ name: 'VMS', template: 'com.axis.recipient.http', params: { upload_url: `http://127.0.0.1:${hport}/notify`, login: 'cam' }, password: PASSWORD }));
  t.match(JSON.parse(again.body), { passwordSet: true });
  t.same(JSON.parse((await admin(port, 'POST', `/api/v1/events/recipients/${rec.id}/test`, '{}')).body), { ok: true });
});
