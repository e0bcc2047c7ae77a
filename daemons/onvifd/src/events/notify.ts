import type { EventDecl, Logger } from '@belfry/core';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { envelope } from '../soap/envelope.js';
import { notificationMessage } from './message.js';
import type { Subscription } from './subscriptions.js';

/** A push: messages per Notify, how long a consumer may take to answer. */
export const PUSH_LIMITS = { messagesPerNotify: 100, timeoutMs: 5000 } as const;

/**
 * One POST, its answer read and dropped. node:http, not undici: undici's parser is WebAssembly,
 * which onvifd's lite-mode host does not expose (`LITE_FLAGS`).
 */
function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'POST', timeout: PUSH_LIMITS.timeoutMs, headers: { 'content-type': 'application/soap+xml; charset=utf-8; action="http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('the consumer did not answer in time')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Base notification: sends each push subscription's waiting messages to its consumer as
 * `wsnt:Notify`, one request at a time per subscription (what arrives meanwhile waits in its
 * bounded queue). A consumer that fails or is slow loses nothing but that batch; the subscription
 * lives until its termination time, as the client renews it.
 */
export class Pusher {
  private readonly busy = new Set<number>();

  constructor(
    private readonly decl: (topic: string) => EventDecl | undefined,
    private readonly log: Logger,
  ) {}

  kick(s: Subscription): void {
    if (this.busy.has(s.id) || !s.consumer) return;
    this.busy.add(s.id);
    void this.drain(s).finally(() => this.busy.delete(s.id));
  }

  private async drain(s: Subscription): Promise<void> {
    while (s.queue.length) {
      const batch = s.queue.splice(0, PUSH_LIMITS.messagesPerNotify);
      const body = envelope(`<wsnt:Notify>${batch.map((ev) => notificationMessage(ev, this.decl(ev.topic))).join('')}</wsnt:Notify>`);
      try {
        const status = await post(s.consumer!, body);
        if (status >= 300) this.log.warn({ subscription: s.id, status }, 'the ONVIF consumer refused a Notify');
      } catch (e) {
        this.log.warn({ subscription: s.id, err: e instanceof Error ? e.message : String(e) }, 'the ONVIF consumer did not take a Notify');
      }
    }
  }
}
