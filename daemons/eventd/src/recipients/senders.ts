import { ftpSender } from './ftp.js';
import { httpSender } from './http.js';
import type { Sender } from './kind.js';
import { sftpSender } from './sftp.js';
import { smtpSender } from './smtp.js';
import { tcpSender } from './tcp.js';

/** The sender of each recipient template. */
export const SENDERS: Record<string, Sender> = {
  'com.axis.recipient.http': httpSender,
  'com.axis.recipient.https': httpSender,
  'com.axis.recipient.smtp': smtpSender,
  'com.axis.recipient.tcp': tcpSender,
  'com.axis.recipient.ftp': ftpSender,
  'com.axis.recipient.sftp': sftpSender,
};
