import { request } from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import { FORWARD, httpSocketPath } from '@belfry/core/http';
import { startDevice, type TestDevice } from '@belfry/core/testing';
import type { DaemonModule } from '@belfry/core';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as mqttd } from '../src/main.js';

export { mqttd };

/** paramd and mqttd (and `more`) on a test bus. */
export function mqttDevice(more: DaemonModule[] = [], root?: string): Promise<TestDevice> {
  return startDevice({ daemons: [paramd, mqttd, ...more], users: ['tester'], ...(root ? { root } : {}) });
}

export interface Ajr {
  apiVersion: string;
  context: string;
  method: string;
  data?: Record<string, unknown> & { status?: Record<string, unknown>; config?: Record<string, unknown> };
  error?: { code: number; message: string };
}

/** A raw request to mqttd's socket as the front door forwards it (an admin). */
export function rawCgi(dev: TestDevice, path: string, body: string | Buffer, method = 'POST'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(
      { socketPath: httpSocketPath(dev.paths.run, 'mqttd'), method, path, headers: { [FORWARD.role]: 'admin', [FORWARD.via]: 'digest', [FORWARD.user]: 'root', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

export async function ajr(dev: TestDevice, cgi: 'client' | 'event', method: string, params?: unknown, apiVersion = '1.0'): Promise<Ajr> {
  const res = await rawCgi(dev, `/axis-cgi/mqtt/${cgi}.cgi`, JSON.stringify({ apiVersion, context: 'Axis library', method, ...(params !== undefined ? { params } : {}) }));
  return JSON.parse(res.body) as Ajr;
}

export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function connectedStatus(dev: TestDevice, want = 'connected'): Promise<Ajr> {
  return until(`connectionStatus ${want}`, async () => {
    const r = await ajr(dev, 'client', 'getClientStatus');
    return r.data?.status?.connectionStatus === want && r;
  });
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

/** A subscriber on the external broker that keeps what it receives. */
export async function subscriber(port: number, filter: string, opts: { username?: string; password?: string } = {}): Promise<{ client: MqttClient; got: Received[]; close(): Promise<void> }> {
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port, protocol: 'mqtt', reconnectPeriod: 0, ...opts });
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, qos: packet.qos }));
  await client.subscribeAsync(filter, { qos: 2 });
  return { client, got, close: () => client.endAsync() };
}

export function tcpConfig(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { server: { host: '127.0.0.1', protocol: 'tcp', port }, clientId: 'belfry-test', keepAliveInterval: 60, connectTimeout: 5, cleanSession: true, autoReconnect: true, activateOnReboot: true, ...extra };
}
