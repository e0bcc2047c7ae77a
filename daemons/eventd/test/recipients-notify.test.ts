import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv';
import { AuditLog, createLogger, type BelfryEvent } from '@belfry/core';
import { freePorts } from '@belfry/core/testing';
import { EventdStore } from '../src/store.js';
import { notificationMessage, notificationRunners, NOTIFICATION_ACTIONS } from '../src/recipients/notifications.js';
import { Recipients, type PasswordKeeper } from '../src/recipients/service.js';
import { substitute } from '../src/recipients/substitute.js';
import { withAllParams } from '../src/recipients/templates.js';
import { FAST, listen } from './recipients-helpers.js';

const never = () => new AbortController().signal;
const ctx = { zone: 'Europe/Stockholm', serial: '02BE1F000001', hostname: 'speaker-1' };
const ev: BelfryEvent = { topic: 'tns1:Device/tnsaxis:IO/VirtualInput', utcTime: '2026-07-01T10:20:30.000Z', source: { port: 3 }, key: {}, data: { active: true }, op: 'Changed' };

/** Passwords kept in memory for these in-process tests (the device test keeps them in paramd). */
class MemoryPasswords implements PasswordKeeper {
  readonly map = new Map<number, string>();
  isSet = (id: number) => !!this.map.get(id);
  get = async (id: number) => this.map.get(id) ?? '';
  put = async (id: number, pw: string) => void this.map.set(id, pw);
  remove = async (id: number) => void this.map.delete(id);
}

function rig(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'eventd-notify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new EventdStore(dir);
  store.load();
  const pw = new MemoryPasswords();
  const log = createLogger('eventd-test', 'silent');
  const recipients = new Recipients(store, pw, log, new AuditLog(join(dir, 'log'), 'eventd', log), FAST);
  const run = notificationRunners(recipients, async () => ctx);
  const fire = (template: string, params: Record<string, string>) => {
    const decl = NOTIFICATION_ACTIONS.find((a) => a.id === template)!;
    const full = Object.fromEntries(decl.params.map((p) => [p.name, params[p.name] ?? '']));
    return run.get(template)!(full, ev, never());
  };
  return { dir, store, pw, recipients, fire };
}

t.test('substitution: date and time in the device zone, topic, items by name, ## and unknown modifiers', async (t) => {
  t.equal(substitute('#D #T #U', ev, ctx), '2026-07-01 12:20:30 2026-07-01T10:20:30.000Z', 'CEST is UTC+2');
  t.equal(substitute('#E #O #S #H', ev, ctx), 'tns1:Device/tnsaxis:IO/VirtualInput Changed 02BE1F000001 speaker-1');
  t.equal(substitute('port #{port} is #{active}, #{missing}.', ev, ctx), 'port 3 is true, .');
  t.equal(substitute('## #X #{} 100%', ev, ctx), '# #X #{} 100%');
  t.equal(substitute('#D', undefined, { ...ctx, zone: 'UTC', now: new Date('2026-01-02T03:04:05Z') }), '2026-01-02', 'no event: now');
  t.equal(substitute('t=#T&e=#E', ev, ctx, encodeURIComponent), 't=12%3A20%3A30&e=tns1%3ADevice%2Ftnsaxis%3AIO%2FVirtualInput', 'values encoded, text kept');
});

t.test('a file name that substitutes into a path is refused', async (t) => {
  t.throws(() => notificationMessage('com.axis.action.fixed.notification.ftp', { message: 'x', filename: 'a/#{port}' }, ev, ctx), { code: 'invalid_argument' });
  t.same(notificationMessage('com.axis.action.fixed.notification.sftp', { message: 'x', filename: 'door-#{port}-#D.txt' }, ev, ctx), { text: 'x', fileName: 'door-3-2026-07-01.txt' });
});

t.test('HTTP: the action sends through its recipient with the event data substituted, Basic credentials on challenge', async (t) => {
  const r = rig(t);
  const seen: { url: string; auth?: string; body: string; method: string }[] = [];
  const port = await listen(
    http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url!, auth: req.headers.authorization, body, method: req.method! });
        if (req.headers.authorization !== `Basic ${Buffer.from('cam:pw1').toString('base64')}`) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' });
          return res.end();
        }
        res.end();
      });
    }),
    t,
  );
  const rec = await r.recipients.add({ name: 'VMS', template: 'com.axis.recipient.http', params: withAllParams('com.axis.recipient.http', { upload_url: `http://127.0.0.1:${port}/notify`, login: 'cam', password: 'pw1' }) });
  t.notOk(JSON.stringify(r.store.list('recipients')).includes('pw1'), 'the record holds no password');
  await r.fire('com.axis.action.fixed.notification.http', { recipient_id: String(rec.id), method: 'POST', parameters: 'port=#{port}&at=#T', message: 'Input #{port} went #{active} on #D at #T' });
  t.equal(seen.length, 2);
  t.match(seen[1], { method: 'POST', url: '/notify?port=3&at=12%3A20%3A30', body: 'Input 3 went true on 2026-07-01 at 12:20:30' });
});

t.test('TCP (fixed and unlimited) and a recipient of the wrong kind', async (t) => {
  const r = rig(t);
  const got: string[] = [];
  const port = await listen(net.createServer((s) => {
    let d = '';
    s.on('data', (c: Buffer) => (d += c.toString()));
    s.on('end', () => (got.push(d), s.end()));
  }), t);
  const rec = await r.recipients.add({ name: 'tcp', template: 'com.axis.recipient.tcp', params: { host: '127.0.0.1', port: String(port) } });
  await r.fire('com.axis.action.fixed.notification.tcp', { recipient_id: String(rec.id), message: '#E port=#{port}\n' });
  await r.fire('com.axis.action.unlimited.notification.tcp', { recipient_id: String(rec.id), message: 'active #S\n' });
  await t.rejects(r.fire('com.axis.action.fixed.notification.http', { recipient_id: String(rec.id) }), { code: 'failed_precondition', message: /is com\.axis\.recipient\.tcp/ });
  await t.rejects(r.fire('com.axis.action.fixed.notification.tcp', { recipient_id: '999' }), { code: 'not_found' });
  for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((res) => setTimeout(res, 20));
  t.same(got.sort(), ['active 02BE1F000001\n', 'tns1:Device/tnsaxis:IO/VirtualInput port=3\n']);
});

t.test('SMTP: the subject and message substituted reach the server', async (t) => {
  const r = rig(t);
  const mails: string[] = [];
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, onData(s, _x, cb) {
    let d = '';
    s.on('data', (c: Buffer) => (d += c.toString()));
    s.on('end', () => (mails.push(d), cb()));
  } });
  const port = await listen(server.server as net.Server, t);
  const rec = await r.recipients.add({ name: 'mail', template: 'com.axis.recipient.smtp', params: withAllParams('com.axis.recipient.smtp', { email_to: 'a@example.com', email_from: 'speaker@example.com', host: '127.0.0.1', port: String(port), encryption: 'none' }) });
  await r.fire('com.axis.action.fixed.notification.smtp', { recipient_id: String(rec.id), subject: 'Input #{port} at #T', message: 'Event #E on #H' });
  t.match(mails[0], /Subject: Input 3 at 12:20:30/);
  t.match(mails[0], /Event tns1:Device\/tnsaxis:IO\/VirtualInput on speaker-1/);
});

t.test('FTP: the message is uploaded as the substituted file name', async (t) => {
  const r = rig(t);
  const root = mkdtempSync(join(tmpdir(), 'eventd-ftp-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'in'));
  const [port, pasv] = (await freePorts(2)) as [number, number];
  const quiet = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const srv = new FtpSrv({ url: `ftp://127.0.0.1:${port}`, pasv_url: '127.0.0.1', pasv_min: pasv, pasv_max: pasv, log: quiet });
  srv.on('login', ({ connection }: { connection: FtpConnection }, resolve: (c: { fs: FileSystem }) => void) => resolve({ fs: new FileSystem(connection, { root, cwd: '/' }) }));
  await srv.listen();
  t.teardown(() => srv.close());
  const rec = await r.recipients.add({ name: 'ftp', template: 'com.axis.recipient.ftp', params: withAllParams('com.axis.recipient.ftp', { host: '127.0.0.1', port: String(port), upload_path: 'in' }) });
  await r.fire('com.axis.action.fixed.notification.ftp', { recipient_id: String(rec.id), filename: 'input#{port}.txt', message: 'at #U' });
  t.equal(readFileSync(join(root, 'in', 'input3.txt'), 'utf8'), 'at 2026-07-01T10:20:30.000Z');
});

t.test('recipients: the 21st refused, removal refused while an action sends through it, a password kept on change', async (t) => {
  const r = rig(t);
  const tcp = (i: number) => ({ name: `r${i}`, template: 'com.axis.recipient.tcp', params: { host: 'h', port: String(1000 + i) } });
  const first = await r.recipients.add({ name: 'ftp', template: 'com.axis.recipient.ftp', params: withAllParams('com.axis.recipient.ftp', { host: 'h', password: 'secret1' }) });
  for (let i = 1; i < 20; i++) await r.recipients.add(tcp(i));
  await t.rejects(r.recipients.add(tcp(21)), { code: 'limit_exceeded' });
  t.equal(r.store.list('recipients').length, 20);
  const { password: _none, ...noPassword } = withAllParams('com.axis.recipient.ftp', { host: 'h2' });
  const changed = await r.recipients.replace(first.id, { name: 'ftp2', template: 'com.axis.recipient.ftp', params: noPassword });
  t.match(changed, { name: 'ftp2', passwordSet: true });
  t.notOk('password' in changed.params, 'not shown');
  t.equal(r.pw.map.get(first.id), 'secret1', 'left out: unchanged');
  await r.recipients.replace(first.id, { name: 'ftp2', template: 'com.axis.recipient.ftp', params: { ...noPassword, password: 'secret2' } });
  t.equal(r.pw.map.get(first.id), 'secret2', 'given: changed');
  r.store.add('actions', { name: 'a', template: 'com.axis.action.fixed.notification.ftp', params: { recipient_id: String(first.id), message: '', filename: '' } });
  await t.rejects(r.recipients.remove(first.id), { code: 'failed_precondition' });
  r.store.remove('actions', r.store.list('actions')[0]!.id);
  await r.recipients.remove(first.id);
  t.notOk(r.pw.map.has(first.id), 'its password went with it');
  const other = await r.recipients.add({ name: 'http', template: 'com.axis.recipient.http', params: withAllParams('com.axis.recipient.http', { upload_url: 'http://x/', password: 'p3' }) });
  t.match(await r.recipients.replace(other.id, { name: 'now tcp', template: 'com.axis.recipient.tcp', params: { host: 'h', port: '1' } }), { passwordSet: false }, 'to a template without one: dropped');
  t.notOk(r.pw.map.has(other.id));
  await r.recipients.remove(other.id);
  await t.rejects(r.recipients.add({ name: 'x', template: 'com.axis.recipient.nope', params: {} }), { code: 'not_found' });
  await t.rejects(r.recipients.add({ name: '', template: 'com.axis.recipient.tcp', params: { host: 'h', port: '1' } }), { code: 'invalid_argument' });
  await t.rejects(r.recipients.add({ name: 'n'.repeat(256), template: 'com.axis.recipient.tcp', params: { host: 'h', port: '1' } }), { code: 'invalid_argument', message: /longer than 255/ });
  t.match(await r.recipients.add({ name: 'n'.repeat(255), template: 'com.axis.recipient.tcp', params: { host: 'h', port: '1' } }), { name: 'n'.repeat(255) }, 'a name of 255 characters');
  t.notOk(readFileSync(join(r.dir, 'config.json'), 'utf8').includes('secret1'), 'never in the store file');
});
