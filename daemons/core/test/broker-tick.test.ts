import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startBroker } from '../src/broker-process.js';
import { nativeFile } from '../src/native.js';
import { createAppUser, writeBrokerFiles } from '../src/broker.js';
import { readBusCredentials } from '../src/credentials.js';
import { devicePaths } from '../src/paths.js';

// The broker's idle tick (native/broker-tick.c): mosquitto's 100 ms wait becomes a longer one while
// packets, connections and signals still wake it at once and its time-based duties still run.

/** An MQTT 3.1.1 CONNECT with the given keepalive (seconds), username and password. */
function connectPacket(keepalive: number, user: string, password: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s);
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const variable = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, keepalive >> 8, keepalive & 0xff])]);
  const body = Buffer.concat([variable, str(`tick-${process.pid}`), str(user), str(password)]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** Connects, sends CONNECT and then nothing; resolves with the CONNACK's code and when the broker closed. */
function silentClient(socket: string, keepalive: number, user: string, password: string): Promise<{ connack: number; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let connack = -1;
    let since = 0;
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      if (d[0] === 0x20) {
        connack = d[3]!;
        since = performance.now();
      }
    });
    s.on('close', () => resolve({ connack, closedAfterMs: performance.now() - since }));
    s.write(connectPacket(keepalive, user, password));
  });
}

async function broker(t: Test, env: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'broker-tick-'));
  const paths = devicePaths(root);
  const conf = writeBrokerFiles(paths, ['paramd'], []);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let child: ChildProcess;
  try {
    child = await startBroker(paths, conf, () => undefined);
  } finally {
    process.env = saved;
  }
  t.teardown(async () => {
    if (child.exitCode === null) await new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
    rmSync(root, { recursive: true, force: true });
  });
  return { paths, conf, child };
}

t.test('the build made the library, and the broker runs with it', async (t) => {
  const lib = nativeFile('broker-tick.so');
  t.ok(lib, 'found (scripts/build.mjs builds dist/broker-tick.so)');
  const { child } = await broker(t);
  t.match(readFileSync(`/proc/${child.pid}/maps`, 'utf8'), 'broker-tick.so', 'mosquitto has it mapped');
});

t.test('keepalive duties still run: a client silent past 1.5 × its keepalive is disconnected', async (t) => {
  const { paths } = await broker(t);
  const c = readBusCredentials(paths, 'paramd');
  const r = await silentClient(paths.busSocket, 1, c.username, c.password);
  t.equal(r.connack, 0, 'accepted');
  t.ok(r.closedAfterMs >= 1000, `not before its keepalive (${Math.round(r.closedAfterMs)} ms)`);
  // mosquitto 2.0 looks at keepalives every 5 s (stock: closed after ~5.5 s here): 1.5 s + 5 s + a tick
  t.ok(r.closedAfterMs < 9000, `within 1.5 s + mosquitto's 5 s check + one tick (${Math.round(r.closedAfterMs)} ms)`);
});

t.test('signals end the wait at once: with a 60 s tick a SIGHUP reload still admits a new user', async (t) => {
  const { paths, conf, child } = await broker(t, { BELFRY_BROKER_TICK_MS: '60000' });
  const user = createAppUser(paths, 'tick');
  writeBrokerFiles(paths, ['paramd'], []);
  t.ok(conf);
  // let mosquitto settle into its (now 60 s) wait before the signal
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  child.kill('SIGHUP');
  const c = readBusCredentials(paths, user);
  let code = -1;
  for (let i = 0; i < 100 && code !== 0; i++) {
    const r = await new Promise<number>((resolve) => {
      const s = connect(paths.busSocket);
      s.on('error', () => resolve(-1));
      s.on('data', (d: Buffer) => (d[0] === 0x20 ? (resolve(d[3]!), s.destroy()) : undefined));
      s.write(connectPacket(60, c.username, c.password));
    });
    code = r;
    if (code !== 0) await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(code, 0, 'the new user is accepted');
  t.ok(performance.now() - t0 < 10_000, 'long before the 60 s tick would have ended the wait');
  const exited = new Promise((r) => child.once('exit', r));
  const t1 = performance.now();
  child.kill('SIGTERM');
  await exited;
  t.ok(performance.now() - t1 < 10_000, 'SIGTERM stops it without waiting for the tick');
});
