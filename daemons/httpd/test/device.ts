import { Agent, request } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { RpcCaller, type ParamdContract } from '@belfry/core';
import { startDevice as startTestDevice, type TestBus } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as audiod } from '@belfry/audiod';
import { daemon as certd } from '@belfry/certd';
import { daemon as httpd } from '../src/main.js';

export interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  raw: Buffer;
}

export interface Device {
  tb: TestBus;
  dev: import('@belfry/core/testing').TestDevice;
  http: string;
  https: string;
  httpPort: number;
  httpsPort: number;
  /** paramd client with internal level (test back door to set params) */
  params: import('@belfry/core').Client<ParamdContract>;
  /** plain request; `url` is a path */
  req(method: string, url: string, opts?: { body?: string | Buffer; headers?: Record<string, string>; https?: boolean; agent?: Agent }): Promise<Res>;
  /** request with Digest (MD5) as `user`, doing the 401 round trip like FF/K74 */
  digest(method: string, url: string, user: string, password: string, opts?: { body?: string; headers?: Record<string, string>; https?: boolean }): Promise<Res>;
  /** the first admin, created through pwdgrp.cgi in setup state */
  addAdmin(user?: string, password?: string): Promise<void>;
  /** stops httpd, runs `meanwhile` (e.g. damages its files), starts it again (same ports, same state folder) */
  restartHttpd(meanwhile?: () => unknown): Promise<void>;
  /** stops paramd, runs `meanwhile` (e.g. damages its files), starts it again */
  restartParamd(meanwhile?: () => unknown): Promise<void>;
}

/**
 * A device for httpd tests: a real mosquitto, paramd, boardd and httpd in this process, HTTP and
 * HTTPS on free loopback ports. Everything stops at teardown.
 */
export async function startDevice(t: { teardown(fn: () => unknown): void }, opts: { audiod?: boolean; certd?: boolean; users?: string[]; root?: string } = {}): Promise<Device> {
  // systemready waits for every required daemon, and the audio CGIs need audiod; `users`: bus users
  // for daemons a test runs itself (`d.tb.run`)
  // certd gives httpd its HTTPS certificate
  const daemons = [paramd, boardd, ...(opts.audiod === false ? [] : [audiod]), ...(opts.certd === false ? [] : [certd]), httpd];
  const dev = await startTestDevice({ daemons, users: ['tester', ...(opts.users ?? [])], root: opts.root });
  t.teardown(() => dev.stop());
  const { tb, httpPort, httpsPort } = dev;
  const bus = await tb.connect('tester');
  const rpc = new RpcCaller(bus);
  t.teardown(() => rpc.close());
  const agent = new Agent({ rejectUnauthorized: false, keepAlive: false });
  const req: Device['req'] = (method, url, opts = {}) =>
    new Promise((resolve, reject) => {
      const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
      const o = {
        method,
        host: '127.0.0.1',
        port: opts.https ? httpsPort : httpPort,
        path: url,
        headers: { ...(body ? { 'Content-Length': String(body.length) } : {}), ...opts.headers },
        agent: opts.https ? (opts.agent ?? agent) : undefined,
      };
      const r = (opts.https ? request : httpRequest)(o, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
        });
      });
      r.on('error', reject);
      r.end(body);
    });
  const digest: Device['digest'] = async (method, url, user, password, opts = {}) => {
    const first = await req(method, url, opts);
    const ch = first.headers['www-authenticate'];
    if (first.status !== 401 || typeof ch !== 'string') return first;
    const realm = /realm="([^"]*)"/.exec(ch)![1]!;
    const nonce = /nonce="([^"]*)"/.exec(ch)![1]!;
    const cnonce = randomBytes(8).toString('hex');
    const nc = '00000001';
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const response = md5(`${md5(`${user}:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${url}`)}`);
    const auth = `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${url}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
    return req(method, url, { ...opts, headers: { ...opts.headers, Authorization: auth } });
  };
  return {
    tb,
    dev,
    http: `http://127.0.0.1:${httpPort}`,
    https: `https://127.0.0.1:${httpsPort}`,
    httpPort,
    httpsPort,
    params: rpc.client<ParamdContract>('paramd'),
    req,
    digest,
    async addAdmin(user = 'root', password = 'pass1') {
      const r = await req('GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${user}&pwd=${encodeURIComponent(password)}&grp=users&sgrp=viewer:operator:admin:ptz`);
      if (!r.body.includes(`Created account ${user}.`)) throw new Error(`could not create admin: ${r.status} ${r.body}`);
    },
    restartHttpd: (meanwhile) => dev.restart('httpd', meanwhile),
    restartParamd: (meanwhile) => dev.restart('paramd', meanwhile),
  };
}
