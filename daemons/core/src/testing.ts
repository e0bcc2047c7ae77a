import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { loadBoard, type BoardProfile } from '@belfry/board';
import { createAppUser, writeBrokerFiles } from './broker.js';
import { startBroker } from './broker-process.js';
import { Bus } from './bus.js';
import { readBusCredentials } from './credentials.js';
import { runDaemon, type DaemonModule, type RunningDaemon } from './daemon.js';
import { devicePaths, type DevicePaths } from './paths.js';
import { createLogger } from './log.js';
import { SERVICES, startOrder } from './services.js';

/**
 * For tests and benchmarks: a real mosquitto with the production config and ACL on a temporary
 * device root, for the given bus users (each treated as a daemon).
 */
export interface TestBus {
  root: string;
  paths: DevicePaths;
  board: BoardProfile;
  connect(user: string, opts?: { will?: { topic: string; payload: string } }): Promise<Bus>;
  run(mod: DaemonModule): Promise<RunningDaemon>;
  /** makes the unprivileged bus user `app-<id>` and has the broker reload its users and ACL; returns the username */
  addApp(id: string): Promise<string>;
  /** kills the broker (SIGKILL), for tests of a broker crash */
  killBroker(): void;
  restartBroker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestBus(users: string[], opts: { root?: string } = {}): Promise<TestBus> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), 'belfry-test-'));
  const paths = devicePaths(root);
  const conf = writeBrokerFiles(paths, users, ['cli']);
  let broker: ChildProcess = await startBroker(paths, conf, () => undefined);
  const board = loadBoard(root, 'sim');
  const buses: Bus[] = [];
  const daemons: RunningDaemon[] = [];
  const quiet = createLogger('test', process.env.BELFRY_LOG_LEVEL ?? 'silent');
  return {
    root,
    paths,
    board,
    async connect(user, o = {}) {
      const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, user), will: o.will });
      buses.push(bus);
      return bus;
    },
    async run(mod) {
      const d = await runDaemon(mod, { root, board, log: quiet.child({ daemon: mod.name }) });
      daemons.push(d);
      return d;
    },
    async addApp(id) {
      const user = createAppUser(paths, id);
      writeBrokerFiles(paths, users, ['cli']);
      broker.kill('SIGHUP');
      // the reload is asynchronous: wait until the new user can log in
      for (let i = 0; ; i++) {
        try {
          const b = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, user), connectTimeoutMs: 1000 });
          await b.close(200);
          return user;
        } catch (err) {
          if (i >= 50) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },
    killBroker() {
      broker.kill('SIGKILL');
    },
    async restartBroker() {
      broker = await startBroker(paths, conf, () => undefined);
    },
    async stop() {
      for (const d of daemons.reverse()) await d.stop().catch(() => undefined);
      for (const b of buses) await b.close(200).catch(() => undefined);
      if (broker.exitCode === null && broker.signalCode === null) {
        await new Promise<void>((resolve) => {
          broker.once('exit', () => resolve());
          broker.kill('SIGTERM');
        });
      }
      if (!opts.root) rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Below Linux's ephemeral range (32768–60999 by default): a port picked here cannot be handed to
 * someone else's `listen(0)` or outgoing connection between our check and the daemon's bind, which
 * happened with parallel test files (EADDRINUSE). Picks are random and checked by binding.
 */
const PICK_FROM = 20_000;
const PICK_TO = 32_000;

/** `n` TCP ports free on 127.0.0.1 now, outside the ephemeral range (for devices started by tests and benchmarks). */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < 1000; tries++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_TO - PICK_FROM));
    if (out.includes(port)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) out.push(port);
  }
  if (out.length < n) throw new Error(`no ${n} free ports between ${PICK_FROM} and ${PICK_TO}`);
  return out;
}

export interface TestDevice {
  tb: TestBus;
  root: string;
  paths: DevicePaths;
  httpPort: number;
  httpsPort: number;
  /** eventd's RTSP event stream (RTSP_PORT) */
  rtspPort: number;
  /** the running daemons by name */
  running: Record<string, RunningDaemon>;
  /** stops `names` (last started first), runs `meanwhile` (e.g. leaves files as a crash would), starts them again in start order */
  restart(names: string | string[], meanwhile?: () => unknown): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A device for tests, in this process (like `--together`, for speed): a real broker with every
 * service's bus user (and `users`, e.g. a `tester`), then `daemons` in start order (`startOrder`:
 * the service list's, each after its `after`), each ready before the next. HTTP/HTTPS/RTSP get free ports (or `ports`) through HTTP_PORT/HTTPS_PORT/RTSP_PORT;
 * the bench a random port (BENCH_PORT=0, unless set) so that it cannot take a port another test
 * just picked.
 */
export async function startDevice(opts: { daemons: DaemonModule[]; root?: string; ports?: { http: number; https: number; rtsp?: number }; users?: string[] }): Promise<TestDevice> {
  const [http, https, rtsp] = opts.ports ? [opts.ports.http, opts.ports.https, opts.ports.rtsp ?? (await freePorts(1))[0]!] : ((await freePorts(3)) as [number, number, number]);
  process.env.HTTP_PORT = String(http);
  process.env.HTTPS_PORT = String(https);
  process.env.RTSP_PORT = String(rtsp);
  process.env.BENCH_PORT ??= '0';
  const unknown = opts.daemons.filter((m) => !SERVICES.some((s) => s.name === m.name));
  if (unknown.length) throw new Error(`not in the service list: ${unknown.map((m) => m.name).join(', ')}`);
  const mods = startOrder(opts.daemons.map((m) => m.name)).map((n) => opts.daemons.find((m) => m.name === n)!);
  // systemready waits for the daemons this device runs (see REQUIRED_SERVICES)
  process.env.BELFRY_SERVICES = mods.map((m) => m.name).join(',');
  const tb = await startTestBus([...SERVICES.map((s) => s.name), ...(opts.users ?? [])], { root: opts.root });
  const running: Record<string, RunningDaemon> = {};
  try {
    for (const m of mods) running[m.name] = await tb.run(m);
  } catch (err) {
    await tb.stop();
    throw err;
  }
  return {
    tb,
    root: tb.root,
    paths: tb.paths,
    httpPort: http,
    httpsPort: https,
    rtspPort: rtsp,
    running,
    async restart(names, meanwhile) {
      const list = typeof names === 'string' ? [names] : names;
      const which = mods.filter((m) => list.includes(m.name));
      const missing = list.filter((n) => !which.some((m) => m.name === n));
      if (missing.length) throw new Error(`${missing.join(', ')} is not running on this device`);
      for (const m of [...which].reverse()) await running[m.name]?.stop();
      await meanwhile?.();
      for (const m of which) running[m.name] = await tb.run(m);
    },
    stop: () => tb.stop(),
  };
}

/** An HTTP answer as a test reads it: status, body, the Digest challenge if any. */
export interface TestHttpAnswer {
  status: number;
  body: string;
  challenge?: string;
}

/** One plain HTTP request to 127.0.0.1:`port`. */
export function httpRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<TestHttpAnswer> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), challenge: res.headers['www-authenticate'] as string | undefined }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** A request with HTTP Digest (MD5, qop=auth) as a VMS sends it: the challenge first, then the answer. */
export async function digestRequest(port: number, method: string, path: string, user: string, password: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<TestHttpAnswer> {
  const headers = opts.headers ?? {};
  const first = await httpRequest(port, method, path, headers, opts.body);
  if (first.status !== 401 || !first.challenge) return first;
  const realm = /realm="([^"]*)"/.exec(first.challenge)?.[1] ?? '';
  const nonce = /nonce="([^"]*)"/.exec(first.challenge)?.[1] ?? '';
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const response = md5(`${md5(`${user}:${realm}:${password}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`${method}:${path}`)}`);
  const authorization = `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}"`;
  return httpRequest(port, method, path, { ...headers, Authorization: authorization }, opts.body);
}

/**
 * In-process route tests: every request injected into `app` (a `routeServer`) arrives as the front
 * door forwards one authenticated as `role`, unless the test states a role of its own. The owner's
 * second lock (http/serve.ts) refuses requests below a route's least role, as a device would.
 */
export function forwardedAs<A extends { addHook(name: 'onRequest', fn: (req: { headers: Record<string, unknown> }) => Promise<void>): unknown }>(app: A, role: 'viewer' | 'operator' | 'admin' = 'admin'): A {
  app.addHook('onRequest', async (req) => {
    req.headers['x-belfry-role'] ??= role;
  });
  return app;
}

/**
 * Writes `text` on a raw TCP connection to 127.0.0.1:`port` and never more; resolves with the first
 * line of what the server sent by the time it closed the connection ('' if nothing): what a slow or
 * broken client gets (a stalled head or body, a timeout's 408).
 */
export function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let data = '';
    sock.on('data', (c: Buffer) => (data += c.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    sock.write(text);
  });
}
