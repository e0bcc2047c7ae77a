import { request } from 'node:http';
import { EventPublisher, type EventDecl } from '@belfry/core';
import { startDevice, type TestDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as eventd } from '../src/main.js';

export const VIRTUAL_INPUT: EventDecl = {
  topic: 'tns1:Device/tnsaxis:IO/VirtualInput',
  niceName: 'Virtual input',
  stateful: true,
  source: [{ name: 'port', type: 'xsd:int' }],
  data: [{ name: 'active', type: 'xsd:boolean' }],
};
export const VIRTUAL_PORT: EventDecl = { ...VIRTUAL_INPUT, topic: 'tns1:Device/tnsaxis:IO/VirtualPort', niceName: 'Manual trigger', data: [{ name: 'state', type: 'xsd:boolean' }] };
export const PULSE: EventDecl = { topic: 'tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Pulse', niceName: 'Recurring pulse', stateful: false, source: [{ name: 'id', type: 'xsd:string' }], data: [] };

export const ADMIN = { user: 'root', password: 'pass1' };

export interface StreamsDevice {
  dev: TestDevice;
  /** events published as the bus user `tester` (declared: VirtualInput, VirtualPort, Pulse) */
  pub: EventPublisher;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
}

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
  pub.declare([VIRTUAL_INPUT, VIRTUAL_PORT, PULSE]);
  return { dev, pub, get };
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
