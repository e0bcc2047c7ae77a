// The ONVIF benchmark, against a device booted by dist/launcher.mjs (run.mjs boots it):
//   node --import tsx bench/onvif-bench.ts <httpPort> [json options]
// Makes the first admin, then, over plain HTTP with `connections` keep-alive connections each with
// one request in flight, for `durationMs` after `warmupMs`:
// - `onvif.getDeviceInformation`: POST /onvif/device_service GetDeviceInformation with a fresh
//   WS-Security PasswordDigest token per request (as OV and NO send it: every request a new nonce
//   that httpd checks, remembers and answers over the bus);
// - `onvif.bdi`: the same data from VAPIX, POST /axis-cgi/basicdeviceinfo.cgi getAllProperties
//   with HTTP Digest (one 401 per connection, then the nonce reused with `nc` counting up).
// Prints one JSON document: requests/s, latency (ms), statuses.
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'undici';
import { latency, round } from './stats.mjs';

const [portArg, optsJson] = process.argv.slice(2) as [string, string | undefined];
const opts = JSON.parse(optsJson ?? '{}') as { connections?: number; warmupMs?: number; durationMs?: number };
const CONNECTIONS = opts.connections ?? 20;
const WARMUP_MS = opts.warmupMs ?? 1000;
const DURATION_MS = opts.durationMs ?? 5000;
const origin = `http://127.0.0.1:${portArg}`;
const USER = 'root';
const PASSWORD = 'bench-pass-1';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function wsseInfo(): string {
  const nonce = randomBytes(16);
  const created = new Date().toISOString();
  const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created), Buffer.from(PASSWORD)])).digest('base64');
  return (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><Security s:mustUnderstand="1" xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>' +
    `<Username>${USER}</Username><Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${digest}</Password>` +
    `<Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce.toString('base64')}</Nonce>` +
    `<Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${created}</Created></UsernameToken></Security></s:Header>` +
    '<s:Body><GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
  );
}

type Send = (c: Client) => Promise<number>;

const onvif: Send = async (c) => {
  const r = await c.request({ method: 'POST', path: '/onvif/device_service', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: wsseInfo() });
  await r.body.dump();
  return r.statusCode;
};

function bdi(): Send {
  const path = '/axis-cgi/basicdeviceinfo.cgi';
  const body = '{"apiVersion":"1.3","context":"bench","method":"getAllProperties"}';
  const state = new WeakMap<Client, { nonce: string; realm: string; nc: number; cnonce: string }>();
  return async (c) => {
    const s = state.get(c);
    let auth: Record<string, string> = {};
    if (s) {
      const nc = (++s.nc).toString(16).padStart(8, '0');
      const ha1 = md5(`${USER}:${s.realm}:${PASSWORD}`);
      const response = md5(`${ha1}:${s.nonce}:${nc}:${s.cnonce}:auth:${md5(`POST:${path}`)}`);
      auth = { authorization: `Digest username="${USER}", realm="${s.realm}", nonce="${s.nonce}", uri="${path}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${s.cnonce}"` };
    }
    const r = await c.request({ method: 'POST', path, headers: { 'content-type': 'application/json', ...auth }, body });
    await r.body.dump();
    if (r.statusCode === 401) {
      const ch = String(r.headers['www-authenticate'] ?? '');
      state.set(c, { nonce: /nonce="([^"]*)"/.exec(ch)?.[1] ?? '', realm: /realm="([^"]*)"/.exec(ch)?.[1] ?? '', nc: 0, cnonce: randomBytes(8).toString('hex') });
    }
    return r.statusCode;
  };
}

async function load(send: Send) {
  const clients = Array.from({ length: CONNECTIONS }, () => new Client(origin, { pipelining: 1, keepAliveTimeout: 30_000 }));
  const samples: number[] = [];
  const statuses: Record<number, number> = {};
  let measuring = false;
  let stop = false;
  const t0 = performance.now();
  setTimeout(() => (measuring = true), WARMUP_MS);
  setTimeout(() => (stop = true), WARMUP_MS + DURATION_MS);
  await Promise.all(
    clients.map(async (c) => {
      while (!stop) {
        const s = performance.now();
        const status = await send(c);
        if (measuring && !stop) {
          samples.push(performance.now() - s);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  const ok = statuses[200] ?? 0;
  return { rps: round(ok / (DURATION_MS / 1000), 1), latencyMs: latency(samples), statuses, wallMs: round(performance.now() - t0, 0) };
}

const setup = await fetch(`${origin}/axis-cgi/pwdgrp.cgi?action=add&user=${USER}&pwd=${PASSWORD}&grp=users&sgrp=viewer:operator:admin:ptz`);
if (setup.status !== 200) throw new Error(`first admin: ${setup.status}`);
const result = { connections: CONNECTIONS, durationMs: DURATION_MS, getDeviceInformation: await load(onvif), bdi: await load(bdi()) };
console.log(JSON.stringify(result));
