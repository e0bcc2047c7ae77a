// TLS handshakes per second on the device's HTTPS certificate, RSA 2048 against EC P-256, beside a
// bare node:https server with the same key (bench/tls-bare.mjs, httpd's V8 flags):
//   node --import tsx bench/tls-bench.ts <httpPort> <httpsPort> <workdir> <httpd pid> [json options]
// Makes the first admin, then for each key type imports a key of its making into certd and selects
// it (device-cert.ts), and measures full handshakes (no session resumption, TLS 1.3 as negotiated):
// `concurrency` clients each connect, finish the handshake, close, again, for `durationMs` after a
// warm-up, in the order bare, device, device, bare. httpd's CPU time per handshake is read from
// /proc. Prints one JSON document on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '@belfry/core';
import { digestRequest, installDeviceCert } from './device-cert.js';
import { round } from './stats.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const [httpPortArg, httpsPortArg, workdir, httpdPidArg, optsJson] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const opts = JSON.parse(optsJson ?? '{}') as { concurrency?: number; warmupMs?: number; durationMs?: number };
const CONCURRENCY = opts.concurrency ?? 8;
const WARMUP_MS = opts.warmupMs ?? 500;
const DURATION_MS = opts.durationMs ?? 3000;
const httpPort = Number(httpPortArg);
const httpsPort = Number(httpsPortArg);
const httpdPid = Number(httpdPidArg);
const USER = 'root';
const PASSWORD = 'bench-pass-1';

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

function handshake(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      s.destroy();
      resolve();
    });
    s.on('error', reject);
  });
}

async function run(port: number, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await handshake(port);
        n++;
      }
    }),
  );
  return n;
}

async function measure(port: number, pid: number): Promise<{ perSec: number; cpuMsPerHandshake: number }> {
  await run(port, WARMUP_MS);
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  const n = await run(port, DURATION_MS);
  const s = (performance.now() - t0) / 1000;
  return { perSec: round(n / s, 0), cpuMsPerHandshake: round((cpuMs(pid) - c0) / n, 3) };
}

async function startBare(key: string, cert: string): Promise<{ child: ChildProcess; port: number }> {
  const cfg = join(workdir, 'tls-bare.json');
  writeFileSync(cfg, JSON.stringify({ key, cert }), { mode: 0o600 });
  const child = spawn(process.execPath, [...nodeFlags(['httpd']), join(BENCH, 'tls-bare.mjs'), cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`tls-bare exited (${code})`)));
  });
  return { child, port };
}

const out: Record<string, unknown> = { concurrency: CONCURRENCY, durationMs: DURATION_MS };
const add = await digestRequest(httpPort, USER, PASSWORD, 'GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${USER}&pwd=${PASSWORD}&grp=users&sgrp=viewer:operator:admin:ptz`);
if (!add.body.includes(`Created account ${USER}.`)) throw new Error(`could not create the admin: ${add.status} ${add.body}`);
for (const [id, type] of [
  ['rsa2048', 'rsa:2048'],
  ['ecP256', 'ec'],
] as const) {
  const { key, cert } = await installDeviceCert({ httpPort, httpsPort, user: USER, password: PASSWORD, workdir, alias: `bench-tls-${id}`, type });
  const bare = await startBare(key, cert);
  try {
    const b1 = await measure(bare.port, bare.child.pid!);
    const d1 = await measure(httpsPort, httpdPid);
    const d2 = await measure(httpsPort, httpdPid);
    const b2 = await measure(bare.port, bare.child.pid!);
    const device = { perSec: Math.max(d1.perSec, d2.perSec), cpuMsPerHandshake: Math.min(d1.cpuMsPerHandshake, d2.cpuMsPerHandshake), rounds: [d1, d2] };
    const bareBest = { perSec: Math.max(b1.perSec, b2.perSec), cpuMsPerHandshake: Math.min(b1.cpuMsPerHandshake, b2.cpuMsPerHandshake), rounds: [b1, b2] };
    out[id] = { device, bare: bareBest, ratio: round(device.perSec / bareBest.perSec, 2) };
  } finally {
    bare.child.kill('SIGTERM');
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
