import { createConnection } from 'node:net';
import type { IClientOptions, IClientPublishOptions, IPublishPacket } from 'mqtt';
// the client alone: mqtt's main entry also loads WebSocket, SOCKS and browser transports (~2 MB of
// heap in every daemon) that a Unix-socket bus never uses
import * as clientModule from 'mqtt/lib/client';
import type { MqttClient } from 'mqtt';

// a CommonJS module with `exports.default`: Node's ESM interop and bundlers disagree on one level
const MqttClientClass = ((clientModule as { default: unknown }).default as { default?: unknown }).default ?? (clientModule as { default: unknown }).default;
import { BelfryError } from './errors.js';
import { topicMatches } from './topics.js';
import type { Logger } from './log.js';

export interface BusCredentials {
  username: string;
  password: string;
}

export interface BusOptions {
  socketPath: string;
  credentials: BusCredentials;
  /** retained message the broker publishes if this connection dies without a clean disconnect */
  will?: { topic: string; payload: string };
  log?: Logger;
  /** how long `connect` waits for the first connection */
  connectTimeoutMs?: number;
}

export type MessageHandler = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

interface Sub {
  filter: string;
  /** MQTT v5 subscription identifier of the filter (one per distinct filter) */
  id: number;
  handler: MessageHandler;
}

/** MQTT keepalive of a bus connection, seconds (see `Bus.connect`). */
export const BUS_KEEPALIVE_S = 600;

/**
 * One connection to the internal broker. Subscriptions are dispatched here so that many parts of a
 * daemon can share one connection. Retained publications are remembered and published again after a
 * reconnect: the broker keeps no persistence, so a broker restart would otherwise forget every
 * daemon's state and declarations.
 */
export class Bus {
  readonly client: MqttClient;
  readonly username: string;
  private subs: Sub[] = [];
  private filterIds = new Map<string, number>();
  private nextId = 1;
  private retained = new Map<string, Buffer>();
  private connectedOnce = false;

  private constructor(client: MqttClient, username: string, private readonly log?: Logger) {
    this.client = client;
    this.username = username;
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet));
    client.on('connect', () => {
      if (!this.connectedOnce) {
        this.connectedOnce = true;
        return;
      }
      this.log?.info('bus reconnected; restoring subscriptions and retained state');
      for (const [filter, id] of this.filterIds) client.subscribe(filter, { qos: 0, properties: { subscriptionIdentifier: id } });
      for (const [topic, payload] of this.retained) client.publish(topic, payload, { retain: true, qos: 1 });
    });
    // one line per outage, not one per reconnect attempt
    let quiet = false;
    client.on('error', (err) => {
      if (!quiet) this.log?.warn({ err: err.message }, 'bus error; reconnecting');
      quiet = true;
    });
    client.on('connect', () => {
      quiet = false;
    });
  }

  static connect(opts: BusOptions): Promise<Bus> {
    const client = new (MqttClientClass as typeof MqttClient)(() => createConnection(opts.socketPath), {
      protocolVersion: 5,
      // Bus restores its own subscriptions (with their identifiers) after a reconnect
      resubscribe: false,
      clean: true,
      clientId: `${opts.credentials.username}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      username: opts.credentials.username,
      password: opts.credentials.password,
      reconnectPeriod: 250,
      // A Unix socket closes the moment its peer dies, and a hung peer is the watchdog's to restart:
      // the keepalive is only a last resort here. mqtt.js wakes every keepalive/2 and the broker
      // answers each PING, so the default 60 s cost every connection a wake-up per 30 s.
      keepalive: BUS_KEEPALIVE_S,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      // otherwise mqtt-packet builds a table of 65,536 two-byte Buffers on the first packet written:
      // ~6 MB of heap in every process (a third of an idle daemon's), to save ~0.1 µs per packet
      writeCache: false,
      will: opts.will ? { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), retain: true, qos: 1 } : undefined,
    } as IClientOptions);
    const bus = new Bus(client, opts.credentials.username, opts.log);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.end(true);
        reject(new BelfryError('unavailable', `bus not reachable at ${opts.socketPath}`));
      }, opts.connectTimeoutMs ?? 5000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve(bus);
      });
      client.on('error', (err) => {
        // a refused login never gets better: fail at once instead of retrying forever
        if ((err as { code?: number }).code === 134 || (err as { code?: number }).code === 135 || /Not authorized|Bad User Name/i.test(err.message)) {
          clearTimeout(timer);
          client.end(true);
          reject(new BelfryError('permission_denied', `bus login refused for ${opts.credentials.username}`));
        }
      });
    });
  }

  /**
   * When a connection holds overlapping filters, the broker sends one copy per matching subscription,
   * each tagged with that subscription's identifier: each copy goes only to the handlers of its own
   * filter, so no handler sees a message twice.
   */
  private dispatch(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const sid = packet.properties?.subscriptionIdentifier;
    const ids = sid === undefined ? undefined : Array.isArray(sid) ? sid : [sid];
    for (const s of this.subs) {
      if (ids ? !ids.includes(s.id) : !topicMatches(s.filter, topic)) continue;
      try {
        s.handler(topic, payload, packet);
      } catch (err) {
        this.log?.error({ err, topic }, 'bus handler threw');
      }
    }
  }

  /** Subscribes and resolves once the broker acknowledged (so retained messages are on their way). */
  async subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    let id = this.filterIds.get(filter);
    const fresh = id === undefined;
    if (id === undefined) {
      id = this.nextId++;
      this.filterIds.set(filter, id);
    }
    const sub = { filter, id, handler };
    this.subs.push(sub);
    // a second handler on a known filter subscribes again too, so it gets the retained messages;
    // the earlier handlers of that filter see them again (retained messages are state: idempotent)
    const granted = await this.client.subscribeAsync(filter, { qos: 0, properties: { subscriptionIdentifier: id } });
    if (granted.some((g) => g.qos >= 128)) {
      this.subs = this.subs.filter((s) => s !== sub);
      if (fresh) this.filterIds.delete(filter);
      throw new BelfryError('permission_denied', `subscription to ${filter} refused`);
    }
    return async () => {
      this.subs = this.subs.filter((s) => s !== sub);
      if (!this.subs.some((s) => s.filter === filter)) {
        this.filterIds.delete(filter);
        if (this.client.connected) await this.client.unsubscribeAsync(filter);
      }
    };
  }

  publish(topic: string, payload: string | Buffer, opts: IClientPublishOptions = {}): void {
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (opts.retain) {
      if (buf.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, buf);
    }
    this.client.publish(topic, buf, { qos: 0, ...opts });
  }

  /** Publishes and waits for the broker's acknowledgement (QoS 1). */
  async publishAck(topic: string, payload: string | Buffer, opts: IClientPublishOptions = {}): Promise<void> {
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (opts.retain) {
      if (buf.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, buf);
    }
    await this.client.publishAsync(topic, buf, { ...opts, qos: 1 });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Clean disconnect (no will); gives up waiting after `timeoutMs` when the broker is gone. */
  async close(timeoutMs = 1000): Promise<void> {
    if (!this.client.connected) {
      this.client.end(true);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.endAsync(false),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.client.end(true);
          resolve();
        }, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Ends the connection without a clean disconnect, so the broker publishes the will (tests). */
  destroy(): void {
    this.client.end(true);
    (this.client.stream as { destroy?: () => void } | undefined)?.destroy?.();
  }
}
