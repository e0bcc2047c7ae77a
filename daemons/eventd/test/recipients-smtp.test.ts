import t from 'tap';
import net from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { smtpSender } from '../src/recipients/smtp.js';
import { withAllParams } from '../src/recipients/templates.js';
import { FAST, listen, selfSigned } from './recipients-helpers.js';

const never = () => new AbortController().signal;
const tls = selfSigned();

interface Mail {
  from: string;
  to: string[];
  data: string;
  user?: string;
  secure: boolean;
}

/** smtp-server on loopback; `auth` requires user `cam` / `s3cret`. */
async function smtp(t: Parameters<Parameters<typeof t.test>[1]>[0], opts: Partial<SMTPServerOptions> & { requireAuth?: boolean }) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    ...tls,
    logger: false,
    authOptional: !opts.requireAuth,
    ...(opts.requireAuth ? {} : { disabledCommands: ['AUTH'] }),
    ...opts,
    onAuth(a, _s, cb) {
      if (a.username === 'cam' && a.password === 's3cret') return cb(null, { user: a.username });
      cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: session.user as string | undefined, secure: session.secure });
        cb();
      });
    },
  });
  server.on('error', () => undefined); // a client refusing the certificate is an error event, and expected here
  const port = await listen(server.server as net.Server, t);
  return { port, mails };
}

const target = (port: number, extra: Record<string, string> = {}, password?: string) => ({
  template: 'com.axis.recipient.smtp',
  params: withAllParams('com.axis.recipient.smtp', { email_to: 'ops@example.com, guard@example.com', email_from: 'speaker@example.com', host: '127.0.0.1', port: String(port), ...extra }),
  password,
});

t.test('STARTTLS with auth: both addresses get the mail, sent encrypted and authenticated', async (t) => {
  const s = await smtp(t, { requireAuth: true });
  await smtpSender.send(target(s.port, { encryption: 'tls', validate_server_cert: 'no', login: 'cam' }, 's3cret'), { subject: 'Speaker test failed', text: 'Speaker 1 did not pass at 18:00' }, never());
  t.equal(s.mails.length, 1);
  t.match(s.mails[0], { from: 'speaker@example.com', to: ['ops@example.com', 'guard@example.com'], user: 'cam', secure: true });
  t.match(s.mails[0]!.data, /Subject: Speaker test failed/);
  t.match(s.mails[0]!.data, /Speaker 1 did not pass at 18:00/);
});

t.test('implicit TLS (ssl): the test mail arrives; a self-signed certificate fails when validated', async (t) => {
  const s = await smtp(t, { secure: true });
  await t.rejects(smtpSender.test(target(s.port, { encryption: 'ssl' }), never(), FAST), { code: 'unavailable', message: /self-signed|certificate/i });
  t.equal(s.mails.length, 0);
  await smtpSender.test(target(s.port, { encryption: 'ssl', validate_server_cert: 'no' }), never());
  t.match(s.mails[0], { secure: true });
  t.match(s.mails[0]!.data, /test message/);
});

t.test('a wrong password is refused; no encryption means no STARTTLS', async (t) => {
  const s = await smtp(t, { requireAuth: true });
  await t.rejects(smtpSender.test(target(s.port, { encryption: 'tls', validate_server_cert: 'no', login: 'cam' }, 'wrong'), never()), { code: 'unavailable', message: /SMTP 127\.0\.0\.1/ });
  const plain = await smtp(t, {});
  await smtpSender.test(target(plain.port, { encryption: 'none' }), never());
  t.match(plain.mails[0], { secure: false, user: undefined });
});

t.test('STARTTLS required: a server that does not offer it gets nothing', async (t) => {
  const s = await smtp(t, { disabledCommands: ['STARTTLS', 'AUTH'] });
  await t.rejects(smtpSender.test(target(s.port, { encryption: 'tls', validate_server_cert: 'no' }), never()), { code: 'unavailable' });
  t.equal(s.mails.length, 0);
});

t.test('a server that never greets times out within the limit', async (t) => {
  const port = await listen(net.createServer(() => undefined), t);
  await t.rejects(smtpSender.test(target(port), never(), FAST), { code: 'timeout' });
});
