import type { EventDecl, Logger } from '@belfry/core';
import { request } from 'undici';
import { envelope } from '../soap/envelope.js';
import { notificationMessage } from './message.js';
import type { Subscription } from './subscriptions.js';

/** A push: messages per Notify, how long a consumer may take to answer. */
export const PUSH_LIMITS = { messagesPerNotify: 100, timeoutMs: 5000 } as const;

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
        const r = await request(s.consumer!, {
          method: 'POST',
          headers: { 'content-type': 'application/soap+xml; charset=utf-8; action="http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"' },
          body,
          headersTimeout: PUSH_LIMITS.timeoutMs,
          bodyTimeout: PUSH_LIMITS.timeoutMs,
        });
        await r.body.dump();
        if (r.statusCode >= 300) this.log.warn({ subscription: s.id, status: r.statusCode }, 'the ONVIF consumer refused a Notify');
      } catch (e) {
        this.log.warn({ subscription: s.id, err: e instanceof Error ? e.message : String(e) }, 'the ONVIF consumer did not take a Notify');
      }
    }
  }
}
