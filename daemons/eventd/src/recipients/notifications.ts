import { BelfryError, type ActionDecl, type ActionParamDecl, type BelfryEvent } from '@belfry/core';
import type { LocalAction } from '../part.js';
import type { Message } from './kind.js';
import type { Recipients } from './service.js';
import { substitute, type SubstituteContext } from './substitute.js';
import { checkFileName } from './upload-name.js';

const MODIFIERS = 'modifiers: #D date, #T time, #U UTC time, #E topic, #O operation, #S serial, #H host name, #{item} an event item, ## a #';
const recipientId: ActionParamDecl = { name: 'recipient_id', type: 'int', min: 1, niceName: 'Recipient (its id)' };
const message: ActionParamDecl = { name: 'message', type: 'string', optional: true, niceName: `Message (${MODIFIERS})` };
const HTTP_PARAMS: ActionParamDecl[] = [
  recipientId,
  message,
  { name: 'parameters', type: 'string', optional: true, niceName: 'Query string suffix (a=1&b=2; modifiers allowed, values URL-encoded)' },
  { name: 'method', type: 'enum', values: ['GET', 'POST', 'PUT'], optional: true, niceName: 'Method (GET when empty)' },
  { name: 'http_headers', type: 'string', optional: true, niceName: 'Extra header lines (Name: value)' },
  { name: 'body', type: 'string', optional: true, niceName: 'Body of a POST or PUT (the message when empty)' },
];
const FILE_PARAMS: ActionParamDecl[] = [recipientId, message, { name: 'filename', type: 'string', optional: true, niceName: 'File name (modifiers allowed; generated with a sequence number when empty)' }];

/** Each notification action template, and the recipient template it sends through. */
const NOTIFICATIONS: { id: string; niceName: string; recipient: string; params: ActionParamDecl[] }[] = [
  { id: 'com.axis.action.fixed.notification.http', niceName: 'Send notification through HTTP', recipient: 'com.axis.recipient.http', params: HTTP_PARAMS },
  { id: 'com.axis.action.fixed.notification.https', niceName: 'Send notification through HTTPS', recipient: 'com.axis.recipient.https', params: HTTP_PARAMS },
  { id: 'com.axis.action.fixed.notification.smtp', niceName: 'Send notification to email', recipient: 'com.axis.recipient.smtp', params: [recipientId, { name: 'subject', type: 'string', optional: true, niceName: 'Subject (modifiers allowed)' }, message] },
  { id: 'com.axis.action.fixed.notification.tcp', niceName: 'Send notification through TCP', recipient: 'com.axis.recipient.tcp', params: [recipientId, message] },
  { id: 'com.axis.action.unlimited.notification.tcp', niceName: 'Send notification through TCP while the rule is active (once per activation)', recipient: 'com.axis.recipient.tcp', params: [recipientId, message] },
  { id: 'com.axis.action.fixed.notification.ftp', niceName: 'Send notification as a file through FTP', recipient: 'com.axis.recipient.ftp', params: FILE_PARAMS },
  { id: 'com.axis.action.fixed.notification.sftp', niceName: 'Send notification as a file through SFTP', recipient: 'com.axis.recipient.sftp', params: FILE_PARAMS },
];

/** eventd's notification action declarations (service eventd; run in process, see `notificationRunners`). */
export const NOTIFICATION_ACTIONS: ActionDecl[] = NOTIFICATIONS.map((n) => ({ id: n.id, niceName: n.niceName, service: 'eventd', method: 'notify', params: n.params }));

/** The message of a notification with the event data substituted in every text field. */
export function notificationMessage(template: string, p: Record<string, string>, ev: BelfryEvent | undefined, c: SubstituteContext): Message {
  const sub = (s: string | undefined) => substitute(s ?? '', ev, c);
  const text = sub(p.message);
  if (template.includes('.notification.http')) {
    const query = substitute(p.parameters ?? '', ev, c, encodeURIComponent);
    return { text, http: { method: p.method || 'GET', query, headers: sub(p.http_headers), body: sub(p.body) } };
  }
  if (template.endsWith('.smtp')) return { text, subject: sub(p.subject) };
  if (template.endsWith('ftp')) {
    if (!p.filename) return { text };
    const fileName = sub(p.filename);
    const bad = checkFileName(fileName);
    if (bad) throw new BelfryError('invalid_argument', bad);
    return { text, fileName };
  }
  return { text };
}

/** The runner of each notification template: the recipient it names, of the right kind, gets the message. */
export function notificationRunners(recipients: Recipients, context: () => Promise<SubstituteContext>): Map<string, LocalAction> {
  const out = new Map<string, LocalAction>();
  for (const n of NOTIFICATIONS) {
    out.set(n.id, async (params, ev, signal) => {
      const id = Number(params.recipient_id);
      const r = recipients.get(id);
      if (r.template !== n.recipient) throw new BelfryError('failed_precondition', `recipient ${id} is ${r.template}, not ${n.recipient}`);
      await recipients.send(id, notificationMessage(n.id, params, ev, await context()), signal);
    });
  }
  return out;
}
