import { createPrivateKey, X509Certificate } from 'node:crypto';
import { BelfryError } from '@belfry/core';

/** One of the client's own messages: connect, disconnect, last will (§2.12). */
export interface MessageConfig {
  useDefault: boolean;
  /** with `useDefault: false`: no topic = no message */
  topic?: string;
  message?: string;
  retain?: boolean;
  qos?: 0 | 1 | 2;
}

export type Protocol = 'tcp' | 'ssl' | 'ws' | 'wss';

/** The client configuration as stored (password and client key included: never returned). */
export interface ClientConfig {
  server: { host: string; protocol: Protocol; port: number; basepath: string; alpnProtocol: string };
  clientId: string;
  keepAliveInterval: number;
  connectTimeout: number;
  cleanSession: boolean;
  autoReconnect: boolean;
  activateOnReboot: boolean;
  /** `3.1.1` or `5` */
  mqttVersion: '3.1.1' | '5';
  username: string;
  password: string;
  httpProxy: string;
  httpsProxy: string;
  deviceTopicPrefix: string;
  lastWillTestament: MessageConfig;
  connectMessage: MessageConfig;
  disconnectMessage: MessageConfig;
  ssl: { validateServerCert: boolean; CACertID: string; clientCertID: string; caCert: string; clientCert: string; clientKey: string };
}

/** Explicit limits (each tested at the limit). */
export const LIMITS = { host: 255, url: 255, text: 255, topic: 1024, payload: 65536, pem: 65536, filters: 64, subscriptions: 32 } as const;

export const DEFAULT_PORT: Record<Protocol, number> = { tcp: 1883, ssl: 8883, ws: 80, wss: 443 };

export function defaultClient(serial: string): ClientConfig {
  return {
    server: { host: '', protocol: 'tcp', port: 1883, basepath: '', alpnProtocol: '' },
    clientId: `belfry-${serial}`,
    keepAliveInterval: 60,
    connectTimeout: 60,
    cleanSession: true,
    autoReconnect: true,
    activateOnReboot: true,
    mqttVersion: '3.1.1',
    username: '',
    password: '',
    httpProxy: '',
    httpsProxy: '',
    deviceTopicPrefix: `axis/${serial}`,
    lastWillTestament: { useDefault: true },
    connectMessage: { useDefault: true },
    disconnectMessage: { useDefault: true },
    ssl: { validateServerCert: true, CACertID: '', clientCertID: '', caCert: '', clientCert: '', clientKey: '' },
  };
}

/** The message a block stands for (defaults: `<prefix>/connection`, retained, QoS 1), or none. */
export function resolveMessage(m: MessageConfig, prefix: string, connected: boolean): Required<Omit<MessageConfig, 'useDefault'>> | undefined {
  if (m.useDefault) return { topic: `${prefix}/connection`, message: JSON.stringify({ connected }), retain: true, qos: 1 };
  if (!m.topic) return undefined;
  return { topic: m.topic, message: m.message ?? '', retain: m.retain ?? false, qos: m.qos ?? 0 };
}

// ---------------------------------------------------------------- validation

/** A field missing: AJR 2103. */
export class MissingParam extends BelfryError {
  constructor(name: string) {
    super('invalid_argument', `required parameter '${name}' is missing`, { name });
  }
}

export const bad = (name: string, why: string) => new BelfryError('invalid_argument', `${name}: ${why}`, { name });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export function str(o: Obj, key: string, path: string, max: number, dflt: string): string {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw bad(path, 'must be a string');
  if (Buffer.byteLength(v) > max) throw bad(path, `longer than ${max} bytes`);
  return v;
}

export function int(o: Obj, key: string, path: string, min: number, max: number, dflt: number): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(path, `must be an integer from ${min} to ${max}`);
  return v;
}

export function bool(o: Obj, key: string, path: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw bad(path, 'must be true or false');
  return v;
}

export function obj(o: Obj, key: string, path: string): Obj | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!isObj(v)) throw bad(path, 'must be an object');
  return v;
}

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^\[?[0-9A-Fa-f:.]+\]?$/;
// eslint-disable-next-line no-control-regex -- MQTT topics may not hold NUL, and controls make unreadable logs
const CONTROLS = /[\u0000-\u001f\u007f]/;

/** A topic one publishes to: no wildcards, no empty name, no controls. */
export function checkTopic(t: string, path: string): string {
  if (!t) throw bad(path, 'must not be empty');
  if (Buffer.byteLength(t) > LIMITS.topic) throw bad(path, `longer than ${LIMITS.topic} bytes`);
  if (/[#+]/.test(t)) throw bad(path, 'a topic to publish to may not hold the wildcards + or #');
  if (CONTROLS.test(t)) throw bad(path, 'control characters are not allowed');
  return t;
}

/** An MQTT subscription filter: `+` only as a whole level, `#` only as the whole last level. */
export function checkFilter(f: string, path: string): string {
  if (!f) throw bad(path, 'must not be empty');
  if (Buffer.byteLength(f) > LIMITS.topic) throw bad(path, `longer than ${LIMITS.topic} bytes`);
  if (CONTROLS.test(f)) throw bad(path, 'control characters are not allowed');
  const levels = f.split('/');
  levels.forEach((l, i) => {
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) throw bad(path, "'#' may only be the whole last level");
    if (l.includes('+') && l !== '+') throw bad(path, "'+' may only be a whole level");
  });
  return f;
}

function checkUrl(v: string, path: string): string {
  if (!v) return v;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad(path, 'not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad(path, 'must be an http:// or https:// URL');
  return v;
}

function pem(v: string, path: string, kind: 'cert' | 'key'): string {
  if (!v) return v;
  try {
    if (kind === 'cert') new X509Certificate(v);
    else createPrivateKey(v);
  } catch {
    throw bad(path, kind === 'cert' ? 'not a PEM certificate' : 'not a PEM private key');
  }
  return v;
}

function message(o: Obj, key: string, cur: MessageConfig): MessageConfig {
  const m = obj(o, key, key);
  if (!m) return cur;
  if (m.useDefault === undefined) throw new MissingParam(`${key}.useDefault`);
  const useDefault = bool(m, 'useDefault', `${key}.useDefault`, true);
  if (useDefault) return { useDefault };
  const topic = str(m, 'topic', `${key}.topic`, LIMITS.topic, '');
  return {
    useDefault,
    ...(topic ? { topic: checkTopic(topic, `${key}.topic`) } : {}),
    message: str(m, 'message', `${key}.message`, LIMITS.payload, ''),
    retain: bool(m, 'retain', `${key}.retain`, false),
    qos: int(m, 'qos', `${key}.qos`, 0, 2, 0) as 0 | 1 | 2,
  };
}

/**
 * `configureClient`'s params: the config object itself (K60) or wrapped as `{config: …}` (a C1410
 * client, apiVersion 1.6). Fields left out keep their stored value; so does the password (an empty
 * string clears it). Throws on the first bad field; nothing is applied then.
 */
export function parseClientConfig(params: unknown, cur: ClientConfig): ClientConfig {
  if (!isObj(params)) throw new MissingParam('server');
  const p = isObj(params.config) ? params.config : params;
  const s = obj(p, 'server', 'server');
  if (!s) throw new MissingParam('server');
  if (s.host === undefined) throw new MissingParam('server.host');
  const host = str(s, 'host', 'server.host', LIMITS.host, '');
  if (!host || !HOST_RE.test(host)) throw bad('server.host', 'not a host name or IP address');
  const protocol = str(s, 'protocol', 'server.protocol', 8, cur.server.protocol);
  if (!(protocol in DEFAULT_PORT)) throw bad('server.protocol', "must be one of 'tcp', 'ssl', 'ws', 'wss'");
  const proto = protocol as Protocol;
  const sslIn = obj(p, 'ssl', 'ssl') ?? {};
  const version = str(p, 'mqttVersion', 'mqttVersion', 8, cur.mqttVersion);
  if (version !== '3.1.1' && version !== '5') throw bad('mqttVersion', "must be '3.1.1' or '5'");
  const prefix = str(p, 'deviceTopicPrefix', 'deviceTopicPrefix', LIMITS.text, cur.deviceTopicPrefix);
  return {
    server: {
      host,
      protocol: proto,
      port: int(s, 'port', 'server.port', 1, 65535, s.protocol !== undefined && protocol !== cur.server.protocol ? DEFAULT_PORT[proto] : cur.server.port),
      basepath: str(s, 'basepath', 'server.basepath', LIMITS.text, cur.server.basepath),
      alpnProtocol: str(s, 'alpnProtocol', 'server.alpnProtocol', LIMITS.text, cur.server.alpnProtocol),
    },
    clientId: str(p, 'clientId', 'clientId', LIMITS.text, cur.clientId),
    keepAliveInterval: int(p, 'keepAliveInterval', 'keepAliveInterval', 0, 65535, cur.keepAliveInterval),
    connectTimeout: int(p, 'connectTimeout', 'connectTimeout', 1, 3600, cur.connectTimeout),
    cleanSession: bool(p, 'cleanSession', 'cleanSession', cur.cleanSession),
    autoReconnect: bool(p, 'autoReconnect', 'autoReconnect', cur.autoReconnect),
    activateOnReboot: bool(p, 'activateOnReboot', 'activateOnReboot', cur.activateOnReboot),
    mqttVersion: version,
    username: str(p, 'username', 'username', LIMITS.text, cur.username),
    password: str(p, 'password', 'password', LIMITS.text, cur.password),
    httpProxy: checkUrl(str(p, 'httpProxy', 'httpProxy', LIMITS.url, cur.httpProxy), 'httpProxy'),
    httpsProxy: checkUrl(str(p, 'httpsProxy', 'httpsProxy', LIMITS.url, cur.httpsProxy), 'httpsProxy'),
    deviceTopicPrefix: prefix ? checkTopic(prefix, 'deviceTopicPrefix') : prefix,
    lastWillTestament: message(p, 'lastWillTestament', cur.lastWillTestament),
    connectMessage: message(p, 'connectMessage', cur.connectMessage),
    disconnectMessage: message(p, 'disconnectMessage', cur.disconnectMessage),
    ssl: {
      validateServerCert: bool(sslIn, 'validateServerCert', 'ssl.validateServerCert', cur.ssl.validateServerCert),
      CACertID: str(sslIn, 'CACertID', 'ssl.CACertID', LIMITS.text, cur.ssl.CACertID),
      clientCertID: str(sslIn, 'clientCertID', 'ssl.clientCertID', LIMITS.text, cur.ssl.clientCertID),
      caCert: pem(str(sslIn, 'caCert', 'ssl.caCert', LIMITS.pem, cur.ssl.caCert), 'ssl.caCert', 'cert'),
      clientCert: pem(str(sslIn, 'clientCert', 'ssl.clientCert', LIMITS.pem, cur.ssl.clientCert), 'ssl.clientCert', 'cert'),
      clientKey: pem(str(sslIn, 'clientKey', 'ssl.clientKey', LIMITS.pem, cur.ssl.clientKey), 'ssl.clientKey', 'key'),
    },
  };
}

/** What `getClientStatus` shows of the config: never the password or the client key. */
export function publicClientConfig(c: ClientConfig): Obj {
  const { password: _pw, ssl, ...rest } = c;
  const { clientKey: _key, ...pubSsl } = ssl;
  return { ...rest, ssl: { ...pubSsl, hasClientKey: !!ssl.clientKey }, hasPassword: !!c.password };
}
