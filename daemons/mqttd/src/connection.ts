import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import type { ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { guardStream, MAX_PACKET_BYTES } from './packet-limit.js';
import { ProxyTunnel } from './proxy.js';
import { resolveMessage, type ClientConfig } from './config.js';

const SCHEME = { tcp: 'mqtt', ssl: 'mqtts', ws: 'ws', wss: 'wss' } as const;

/** Reconnect backoff: doubles from `baseMs` after each failed attempt, capped at `capMs`. */
export interface Backoff {
  baseMs: number;
  capMs: number;
}
export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, capMs: 60_000 };

/** mqtt.js options for a configuration (the backoff's first step as the reconnect period). */
export function clientOptions(c: ClientConfig, backoff: Backoff): IClientOptions {
  const tls = c.server.protocol === 'ssl' || c.server.protocol === 'wss';
  const will = resolveMessage(c.lastWillTestament, c.deviceTopicPrefix, false);
  return {
    protocol: SCHEME[c.server.protocol],
    host: c.server.host,
    port: c.server.port,
    ...(c.server.protocol === 'ws' || c.server.protocol === 'wss' ? { path: '/' + c.server.basepath.replace(/^\/+/, '') } : {}),
    clientId: c.clientId,
    keepalive: c.keepAliveInterval,
    connectTimeout: c.connectTimeout * 1000,
    clean: c.cleanSession,
    protocolVersion: c.mqttVersion === '5' ? 5 : 4,
    // a v5 broker must send nothing larger; the stream guard checks it for every version
    ...(c.mqttVersion === '5' ? { properties: { maximumPacketSize: MAX_PACKET_BYTES } } : {}),
    reconnectPeriod: c.autoReconnect ? backoff.baseMs : 0,
    // our own queue keeps what must survive; mqtt.js must not hold QoS 0 messages while offline
    queueQoSZero: false,
    ...(c.username ? { username: c.username } : {}),
    // MQTT 3.1.1 has no password without a user name (brokers close the connection)
    ...(c.username && c.password ? { password: c.password } : {}),
    ...(will ? { will: { topic: will.topic, payload: Buffer.from(will.message), qos: will.qos, retain: will.retain } } : {}),
    ...(tls
      ? {
          rejectUnauthorized: c.ssl.validateServerCert,
          servername: /^[\d.]+$|:/.test(c.server.host) ? undefined : c.server.host,
          ...(c.ssl.caCert ? { ca: c.ssl.caCert } : {}),
          ...(c.ssl.clientCert ? { cert: c.ssl.clientCert } : {}),
          ...(c.ssl.clientKey ? { key: c.ssl.clientKey } : {}),
          ...(c.server.alpnProtocol ? { ALPNProtocols: [c.server.alpnProtocol] } : {}),
        }
      : {}),
  };
}

/** The proxy a connection goes through: ssl/wss take the HTTPS proxy, tcp/ws the HTTP one (each falls back to the other). */
export function proxyFor(c: ClientConfig): URL | undefined {
  const tls = c.server.protocol === 'ssl' || c.server.protocol === 'wss';
  const url = (tls ? c.httpsProxy || c.httpProxy : c.httpProxy || c.httpsProxy) || '';
  return url ? new URL(url) : undefined;
}

/** An mqtt.js client whose every stream is behind the packet size guard; connecting is the caller's. */
function makeClient(c: ClientConfig, opts: IClientOptions, over: (reason: string) => void): MqttClient {
  const client = unguardedClient(c, { ...opts, manualConnect: true });
  const inner = client as unknown as { streamBuilder: (cl: MqttClient) => Duplex };
  const build = inner.streamBuilder;
  inner.streamBuilder = (cl) => guardStream(build(cl), MAX_PACKET_BYTES, over);
  return client;
}

/** An mqtt.js client, through the configured proxy when there is one. */
function unguardedClient(c: ClientConfig, opts: IClientOptions): MqttClient {
  const proxy = proxyFor(c);
  if (!proxy) return mqtt.connect(opts);
  const secure = c.server.protocol === 'ssl' || c.server.protocol === 'wss';
  const tls: ConnectionOptions | undefined = secure ? { servername: opts.servername, rejectUnauthorized: opts.rejectUnauthorized, ca: opts.ca, cert: opts.cert, key: opts.key, ...(opts.ALPNProtocols ? { ALPNProtocols: opts.ALPNProtocols as string[] } : {}) } : undefined;
  const tunnel = () => new ProxyTunnel(proxy, c.server.host, c.server.port, tls);
  // WebSocket: ws opens its HTTP connection with our tunnel; MQTT over TCP/TLS: the tunnel is the stream
  if (c.server.protocol === 'ws' || c.server.protocol === 'wss') return mqtt.connect({ ...opts, wsOptions: { createConnection: tunnel } as never });
  const client = new MqttClient(tunnel as never, opts);
  client.on('error', () => undefined);
  return client;
}

export interface ConnectionEvents {
  connected(): void;
  disconnected(reason: string): void;
  message(topic: string, payload: Buffer, retain: boolean): void;
  /** the broker sent a packet over `MAX_PACKET_BYTES`: the connection closes (and reconnects) */
  oversized?(): void;
}

/**
 * One broker connection. mqtt.js reconnects by itself; this doubles its period after every failed
 * attempt up to the cap and resets it on success. `lastError` never holds a credential (mqtt.js
 * errors name the broker's answer, not what was sent).
 */
export class Connection {
  readonly client: MqttClient;
  lastError = '';
  private closing = false;

  constructor(
    readonly cfg: ClientConfig,
    private readonly on: ConnectionEvents,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
  ) {
    const opts = clientOptions(cfg, backoff);
    this.client = makeClient(cfg, opts, (reason) => {
      this.lastError = reason;
      this.on.oversized?.();
    });
    this.client.on('connect', () => {
      this.client.options.reconnectPeriod = cfg.autoReconnect ? backoff.baseMs : 0;
      this.lastError = '';
      this.on.connected();
      const m = resolveMessage(cfg.connectMessage, cfg.deviceTopicPrefix, true);
      if (m) this.client.publish(m.topic, m.message, { qos: m.qos, retain: m.retain });
    });
    this.client.on('close', () => {
      if (this.closing) return;
      const p = this.client.options.reconnectPeriod ?? 0;
      if (p > 0) this.client.options.reconnectPeriod = Math.min(p * 2, backoff.capMs);
      this.on.disconnected(this.lastError || 'connection closed');
    });
    this.client.on('error', (err) => {
      this.lastError = safeMessage(err);
    });
    this.client.on('message', (topic, payload, packet) => this.on.message(topic, payload, packet.retain));
    this.client.connect();
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Sends the disconnect message (if any, up to `waitMs` for its acknowledgement), then closes (waiting up to `waitMs` for what is in flight). */
  async close(waitMs = 2000): Promise<void> {
    this.closing = true;
    const m = resolveMessage(this.cfg.disconnectMessage, this.cfg.deviceTopicPrefix, false);
    if (m && this.client.connected) {
      await Promise.race([new Promise<void>((r) => this.client.publish(m.topic, m.message, { qos: m.qos, retain: m.retain }, () => r())), new Promise((r) => setTimeout(r, waitMs))]);
    }
    // a clean end waits for the broker to acknowledge what is in flight; a broker that never does
    // must not hold mqttd's stop (those messages stay in the durable queue and are sent again)
    const clean = new Promise<void>((r) => this.client.end(!this.client.connected, {}, () => r()));
    const late = await Promise.race([clean.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), waitMs).unref())]);
    if (late) await new Promise<void>((r) => this.client.end(true, {}, () => r()));
  }
}

/** An error's message without anything that could be a credential (URLs lose their user info). */
function safeMessage(err: Error): string {
  return err.message.replace(/\/\/[^@/\s]*@/g, '//').slice(0, 200);
}
