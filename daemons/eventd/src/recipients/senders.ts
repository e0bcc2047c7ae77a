import { httpSender } from './http.js';
import type { Sender } from './kind.js';
import { tcpSender } from './tcp.js';

/**
 * A sender whose module is imported at its first send or test: the email, FTP and SFTP clients
 * (nodemailer, basic-ftp, ssh2) stay out of eventd's memory until a recipient of that kind is
 * used (−2.5 MB anonymous PSS idle, measured); the bundler gives each its own chunk. HTTP and TCP
 * use Node's own modules, loaded anyway. A loaded module stays (Node never unloads one).
 */
function lazy(load: () => Promise<Sender>): Sender {
  let sender: Promise<Sender> | undefined;
  const get = () => (sender ??= load().catch((e: unknown) => ((sender = undefined), Promise.reject(e))));
  return {
    send: async (t, msg, signal, lim) => (await get()).send(t, msg, signal, lim),
    test: async (t, signal, lim) => (await get()).test(t, signal, lim),
  };
}

/** The sender of each recipient template. */
export const SENDERS: Record<string, Sender> = {
  'com.axis.recipient.http': httpSender,
  'com.axis.recipient.https': httpSender,
  'com.axis.recipient.smtp': lazy(async () => (await import('./smtp.js')).smtpSender),
  'com.axis.recipient.tcp': tcpSender,
  'com.axis.recipient.ftp': lazy(async () => (await import('./ftp.js')).ftpSender),
  'com.axis.recipient.sftp': lazy(async () => (await import('./sftp.js')).sftpSender),
};
