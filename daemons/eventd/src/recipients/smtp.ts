import nodemailer from 'nodemailer';
import { BelfryError } from '@belfry/core';
import { cutBytes, raceSignal, SEND_LIMITS, sendError, TEST_TEXT, totalSignal, type Message, type Sender, type SendLimits, type Target } from './kind.js';
import { paramValue } from './templates.js';

/**
 * Email through the configured SMTP server (nodemailer). Encryption `ssl` is implicit TLS (usually
 * port 465), `tls` is STARTTLS and required (the mail is not sent in clear if the server does not
 * offer it), `none` is plain SMTP. Credentials only when a login is set.
 */
async function sendMail(t: Target, msg: Message, signal: AbortSignal, lim: SendLimits = SEND_LIMITS): Promise<void> {
  const p = (n: string) => paramValue(t.template, t.params, n);
  const enc = p('encryption');
  const host = p('host');
  const login = p('login');
  const transport = nodemailer.createTransport({
    host,
    port: Number(p('port')),
    secure: enc === 'ssl',
    requireTLS: enc === 'tls',
    ignoreTLS: enc === 'none',
    ...(login ? { auth: { user: login, pass: t.password ?? '' } } : {}),
    tls: { rejectUnauthorized: p('validate_server_cert') !== 'no', servername: host },
    connectionTimeout: lim.connectMs,
    greetingTimeout: lim.connectMs,
    socketTimeout: lim.totalMs,
    logger: false,
    debug: false,
  });
  const s = totalSignal(signal, lim);
  try {
    const to = p('email_to').split(',').map((a) => a.trim()).filter(Boolean);
    const info = await raceSignal(transport.sendMail({ from: p('email_from'), to, subject: msg.subject ?? '', text: cutBytes(msg.text) }), s, () => transport.close());
    if (info.rejected.length) throw new BelfryError('unavailable', `the server refused ${info.rejected.map(String).join(', ')}`);
  } catch (e) {
    throw sendError(`SMTP ${host}`, e, s);
  } finally {
    transport.close();
  }
}

export const smtpSender: Sender = {
  send: sendMail,
  test: (t, signal, lim) => sendMail(t, { subject: 'Test message', text: TEST_TEXT }, signal, lim),
};
