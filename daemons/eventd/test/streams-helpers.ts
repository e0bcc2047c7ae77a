import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { EventPublisher, type EventDecl } from '@belfry/core';
import { startDevice, type TestDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as eventd } from '../src/main.js';

/** Topics no daemon of the test device publishes (eventd's own virtual inputs and manual triggers are there too). */
export const IO_PORT: EventDecl = {
  topic: 'tns1:Device/tnsaxis:IO/Port',
  niceName: 'Digital input port',
  stateful: true,
  source: [{ name: 'port', type: 'xsd:int' }],
  data: [{ name: 'state', type: 'xsd:boolean' }],
};
export const TRIGGER_LEVEL: EventDecl = { topic: 'tns1:AudioSource/tnsaxis:TriggerLevel', niceName: 'Audio detection', stateful: true, source: [{ name: 'channel', type: 'xsd:int' }], data: [{ name: 'triggered', type: 'xsd:boolean' }] };
export const PULSE: EventDecl = { topic: 'tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Pulse', niceName: 'Recurring pulse', stateful: false, source: [{ name: 'id', type: 'xsd:string' }], data: [] };

export const ADMIN = { user: 'root', password: 'pass1' };

export interface StreamsDevice {
  dev: TestDevice;
  /** events published as the bus user `tester` (declared: IO/Port, TriggerLevel, Pulse) */
  pub: EventPublisher;
  get(path: string, headers?: Record<string, string>): Promise<Res>;
  /** GET with Digest as the admin (the 401 round trip, as K74 does) */
  digestGet(path: string, user?: string, password?: string): Promise<Res>;
}

export interface Res {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** A device with paramd, httpd and eventd (a real broker, loopback ports), an admin account, a test publisher. */
export async function streamsDevice(t: { teardown(fn: () => unknown): void }): Promise<StreamsDevice> {
  const dev = await startDevice({ daemons: [paramd, httpd, eventd], users: ['tester'] });
  t.teardown(() => dev.stop());
  const get: StreamsDevice['get'] = (path, headers = {}) =>
    new Promise((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: dev.httpPort, path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      r.on('error', reject);
      r.end();
    });
  const made = await get(`/axis-cgi/pwdgrp.cgi?action=add&user=${ADMIN.user}&pwd=${ADMIN.password}&grp=users&sgrp=viewer:operator:admin:ptz`);
  if (!made.body.includes('Created account')) throw new Error(`no admin: ${made.status} ${made.body}`);
  const bus = await dev.tb.connect('tester');
  t.teardown(() => bus.close());
  const pub = new EventPublisher(bus, 'tester');
  pub.declare([IO_PORT, TRIGGER_LEVEL, PULSE]);
  const digestGet: StreamsDevice['digestGet'] = async (path, user = ADMIN.user, password = ADMIN.password) => {
    const first = await get(path);
    const ch = String(first.headers['www-authenticate'] ?? '');
    if (first.status !== 401) return first;
    const realm = /realm="([^"]*)"/.exec(ch)![1]!;
    const nonce = /nonce="([^"]*)"/.exec(ch)![1]!;
    const cnonce = randomBytes(8).toString('hex');
    const response = md5(`${md5(`${user}:${realm}:${password}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`GET:${path}`)}`);
    return get(path, { Authorization: `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm="MD5", qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}"` });
  };
  return { dev, pub, get, digestGet };
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
