import { subscribeEvents, type BelfryEvent, type DaemonContext } from '@belfry/core';
import type { Backoff, Connection } from './connection.js';
import { MQTT_CONNECTION } from './contract.js';
import { Publisher, type Outgoing } from './publication.js';
import { MAX_PACKET_BYTES } from './packet-limit.js';
import { PersistentQueue } from './queue.js';
import type { MqttStore } from './store.js';
import { brokerFilter, mqttMatch, MAX_EVENT_PAYLOAD, SUB_STATEFUL, SUB_STATELESS, utf8, type Subscription } from './subscriptions.js';

/** How many queued messages are in flight at once while the queue drains. */
const DRAIN_BATCH = 100;

/**
 * The running client: one broker connection while active, event publication, subscriptions turned
 * into device events, and the persistent queue that holds QoS 1/2 messages while the broker is away.
 */
export class MqttService {
  private conn: Connection | undefined;
  private publisher: Publisher;
  private draining = false;
  published = 0;
  ignored = 0;
  /** connections closed because the broker sent a packet over the limit */
  oversized = 0;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly store: MqttStore,
    readonly queue: PersistentQueue,
    /** (connection.ts's DEFAULT_BACKOFF when not given) */
    private readonly backoff?: Backoff,
  ) {
    this.publisher = this.makePublisher();
  }

  get connected(): boolean {
    return !!this.conn?.connected;
  }

  get lastError(): string {
    return this.conn?.lastError ?? '';
  }

  private makePublisher(): Publisher {
    const s = this.store.state;
    return new Publisher(s.publication, s.client.deviceTopicPrefix, this.ctx.board.identity.serialNumber);
  }

  /** The configuration changed: new publisher; a new connection if active. */
  async reconfigure(): Promise<void> {
    this.publisher = this.makePublisher();
    await this.feed();
    // mqtt.js's client with its transports (SOCKS, WebSocket: ~1.5 MB of heap and ~40 ms of CPU to
    // load) comes with the first broker connection: an mqttd nobody configured never loads it
    const mod = this.store.state.active && this.store.state.client.server.host ? await import('./connection.js') : undefined;
    await this.stopConnection();
    if (mod) this.startConnection(mod.Connection);
  }

  private offFeed: (() => Promise<void>) | undefined;
  /**
   * The device's events are read only while something is to be published: an idle mqttd parses no
   * event. A new feed starts with the current states (retained), so the broker learns them.
   */
  private async feed(): Promise<void> {
    const want = this.store.state.active && !this.publisher.empty;
    if (want && !this.offFeed) this.offFeed = await subscribeEvents(this.ctx.bus, '#', (ev) => this.onEvent(ev));
    else if (!want && this.offFeed) {
      const off = this.offFeed;
      this.offFeed = undefined;
      await off();
    }
  }

  /** The publication configuration changed: the connection stays. */
  async republish(): Promise<void> {
    this.publisher = this.makePublisher();
    await this.feed();
  }

  /** Subscriptions changed: the broker is told at once, on the same connection (and at every connect). */
  resubscribe(before: Subscription[]): void {
    const c = this.conn;
    if (!c?.connected) return;
    const prefix = c.cfg.deviceTopicPrefix;
    const old = before.map((s) => brokerFilter(s, prefix));
    if (old.length) c.client.unsubscribe(old);
    this.subscribe(c);
  }

  private subscribe(c: Connection): void {
    const subs = this.store.state.subscriptions;
    if (subs.length) c.client.subscribe(Object.fromEntries(subs.map((s) => [brokerFilter(s, c.cfg.deviceTopicPrefix), { qos: s.qos }])));
  }

  private startConnection(Conn: typeof Connection): void {
    const cfg = this.store.state.client;
    const conn = new Conn(
      cfg,
      {
        connected: () => {
          this.stateChanged(true);
          this.subscribe(conn);
          void this.drain();
        },
        disconnected: (reason) => {
          this.stateChanged(false);
          this.ctx.log.warn({ broker: `${cfg.server.protocol}://${cfg.server.host}:${cfg.server.port}`, reason }, 'mqtt broker disconnected');
        },
        message: (topic, payload) => this.incoming(topic, payload, cfg.deviceTopicPrefix),
        oversized: () => {
          this.oversized++;
          this.ctx.log.warn({ limit: MAX_PACKET_BYTES }, 'mqtt broker sent a packet over the limit: connection closed');
        },
      },
      this.backoff,
    );
    // we subscribe at every connect ourselves (the subscriptions may have changed meanwhile)
    conn.client.options.resubscribe = false;
    this.conn = conn;
  }

  private async stopConnection(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    if (!c) return;
    const was = c.connected;
    await c.close();
    if (was) this.stateChanged(false);
  }

  private lastState: boolean | undefined;
  private stateChanged(connected: boolean): void {
    if (this.lastState === connected) return;
    this.lastState = connected;
    this.ctx.events.setState(MQTT_CONNECTION, {}, { Connected: connected });
    this.ctx.audit.write(connected ? 'mqtt_connected' : 'mqtt_disconnected', { host: this.store.state.client.server.host });
  }

  /** An internal event: published when a filter takes it. */
  onEvent(ev: BelfryEvent): void {
    // messages from our own subscriptions are not sent back (a `#` subscription would loop), and the
    // state of the broker link is told to the broker by the connect message and the last will
    if (ev.topic === SUB_STATELESS || ev.topic === SUB_STATEFUL || ev.topic === MQTT_CONNECTION) return;
    if (this.publisher.empty || !this.store.state.active) return;
    const out = this.publisher.message(ev);
    if (out) void this.send(out).catch((err: Error) => this.ctx.log.error({ err: err.message }, 'mqtt queue write failed'));
  }

  /**
   * QoS 0: published now when connected, else not kept (false). QoS 1/2: into the durable queue
   * first (false = full), sent from there, and left there until the broker acknowledged it — an
   * in-flight message survives a crash and is sent again at the next start.
   */
  async send(out: Outgoing): Promise<boolean> {
    const c = this.conn;
    if (out.qos === 0) {
      if (!c?.connected) return false;
      this.cork(c);
      c.client.publish(out.topic, out.payload, { qos: 0, retain: out.retain });
      this.published++;
      return true;
    }
    const kept = await this.queue.add(out);
    if (this.conn?.connected) void this.drain();
    return kept;
  }

  private corked = false;
  /** The publications of one tick leave in one write (a burst of events is one syscall, not one each). */
  private cork(c: Connection): void {
    const s = c.client.stream as { cork?: () => void; uncork?: () => void } | undefined;
    if (this.corked || !s?.cork) return;
    this.corked = true;
    s.cork();
    process.nextTick(() => {
      this.corked = false;
      s.uncork?.();
    });
  }

  /** Sends the queue oldest first, a batch at a time; each batch is marked done once acknowledged. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const c = this.conn;
        if (!c?.connected || !this.queue.length) return;
        const epoch = this.queue.epoch;
        const batch = this.queue.peek(DRAIN_BATCH);
        this.cork(c);
        const results = await Promise.all(batch.map((m) => new Promise<boolean>((r) => c.client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (err) => r(!err)))));
        if (results.some((ok) => !ok) || this.queue.epoch !== epoch) return;
        this.queue.drop(batch.length);
        this.published += batch.length;
      }
    } finally {
      this.draining = false;
    }
  }

  /** A message from a subscription: a device event, stateless or stateful as its subscription says. */
  private incoming(topic: string, payload: Buffer, prefix: string): void {
    const sub = this.store.state.subscriptions.find((s) => mqttMatch(brokerFilter(s, prefix), topic));
    const text = utf8(payload);
    if (!sub || text === undefined || text.length > MAX_EVENT_PAYLOAD) {
      this.ignored++;
      if (sub) this.ctx.log.warn({ topic: topic.slice(0, 200), bytes: payload.length }, text === undefined ? 'mqtt message ignored: payload is not UTF-8' : 'mqtt message ignored: payload too long');
      return;
    }
    if (sub.type === 'stateful') this.ctx.events.setState(SUB_STATEFUL, { Topic: topic }, { Payload: text });
    else this.ctx.events.emit(SUB_STATELESS, { source: { Topic: topic }, data: { Payload: text } });
  }

  async stop(): Promise<void> {
    await this.offFeed?.();
    this.offFeed = undefined;
    await this.stopConnection();
    this.queue.close();
  }
}
