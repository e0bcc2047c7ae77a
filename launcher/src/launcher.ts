import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus, EXIT_CONFIG, RotatingFile, T, cmdline, createLogger, devicePaths, readBusCredentials, serve, watchSystemReady, type DevicePaths } from '@belfry/core';
import { loadBoard } from '@belfry/board';
import { startBroker, stopStaleBroker, writeBrokerFiles } from '@belfry/core';
import { EXTRA_BUS_USERS, SERVICES, hostsFor, nodeFlags, serviceEnv, type HostSpec, type Layout, type ServiceSpec } from '@belfry/core';
import { heartbeatMs, watchdogMs } from './heartbeat.js';
import type { HostMessage } from './host.js';

export interface LauncherOptions {
  root: string;
  layout: Layout;
  /** start only these services (default: all) */
  only?: string[];
  /** these daemons get a process each (`hostsFor`) */
  apart?: string[];
  /** turns the daemons' JSON log lines into human-readable ones (a terminal) */
  pretty?: (line: string) => string;
}

/** Restart delay after the n-th quick crash in a row: 100 ms doubling, at most 10 s. */
export function backoffMs(failures: number): number {
  return Math.min(10_000, 100 * 2 ** Math.max(0, failures - 1));
}
/** A child that ran this long counts as healthy again. */
const STABLE_MS = 10_000;
/**
 * Until it says ready (every daemon of it started) a host is starting — loading its code and
 * starting its daemons, seconds of wall time on a busy machine. As systemd arms `WatchdogSec=` only
 * after `READY=1`, the watchdog's limit applies from then on; a starting host silent this long is
 * killed (systemd's TimeoutStartSec).
 */
export const START_TIMEOUT_MS = 60_000;
/** The simulated device's system log (journald's role on a device) rotates at this size. */
export const SYSTEM_LOG_MAX = 2 * 1024 * 1024;

interface Child {
  host: HostSpec;
  proc?: ChildProcess;
  startedAt: number;
  failures: number;
  lastBeat: number;
  /** it said ready since it was spawned: its watchdog is armed */
  armed?: boolean;
  fatal?: string;
  timer?: NodeJS.Timeout;
}

export interface LauncherStatus {
  systemready: boolean;
  readyMs?: number;
  http?: string;
  https?: string;
  bench?: string;
  layout: Layout;
  /** daemon → pid of its host */
  pids: Record<string, number>;
  broker?: number;
}

/**
 * Dev/CI stand-in for systemd: starts the bus, then the daemon hosts of the layout; restarts a host
 * that crashed or stopped answering its watchdog, with backoff; says `systemready` when every
 * required daemon is ready; stops everything on SIGINT/SIGTERM.
 */
export class Launcher {
  readonly paths: DevicePaths;
  private broker?: ChildProcess;
  private bus?: Bus;
  private children: Child[] = [];
  private stopping = false;
  private brokerFailures = 0;
  private readonly log = createLogger('launcher');
  private readonly t0 = performance.now();
  private readonly services: ServiceSpec[];
  readonly status: LauncherStatus;
  private systemLog?: RotatingFile;
  private restarting = false;
  private watchdog?: NodeJS.Timeout;
  /** after a broker restart: required daemons not yet heard from again */
  private unheard?: Set<string>;
  private ownsPidFile = false;

  constructor(private readonly opts: LauncherOptions) {
    this.paths = devicePaths(opts.root);
    this.services = SERVICES.filter((s) => !opts.only || opts.only.includes(s.name));
    this.status = { systemready: false, layout: opts.layout, pids: {} };
  }

  async start(): Promise<void> {
    for (const d of [this.paths.run, this.paths.state, this.paths.log]) mkdirSync(d, { recursive: true, mode: 0o755 });
    this.claimRoot();
    loadBoard(this.paths.root); // makes the simulated board's factory data before any daemon reads it
    this.systemLog = new RotatingFile(join(this.paths.log, 'system.log'), SYSTEM_LOG_MAX);
    this.writeBoot();
    const conf = writeBrokerFiles(this.paths, SERVICES.map((s) => s.name), EXTRA_BUS_USERS);
    // a stale broker of this root goes first: its socket must not greet the new hosts
    await stopStaleBroker(this.paths, conf);
    const broker = this.startBroker(conf);
    // the hosts while mosquitto starts: each takes a few hundred ms of CPU to load its code, then
    // waits for the bus socket (host.ts); what the launcher watches (daemon states, URLs) is
    // retained, so nothing is missed before it subscribes
    for (const host of hostsFor(this.opts.layout, this.opts.only, this.opts.apart)) {
      const c: Child = { host, startedAt: 0, failures: 0, lastBeat: 0 };
      this.children.push(c);
      this.spawn(c, false);
    }
    this.writeStatus();
    await broker;
    this.bus = await Bus.connect({ socketPath: this.paths.busSocket, credentials: readBusCredentials(this.paths, 'launcher'), log: this.log });
    await this.watchBus();
    // the check runs after the loop's poll phase: beats already waiting on the IPC channels are
    // read first, so a launcher that was itself descheduled for a while does not kill every host
    this.watchdog = setInterval(() => setImmediate(() => this.checkHeartbeats()), heartbeatMs());
  }

  /** One launcher per root: a second one would take the first one's bus and ports. */
  private claimRoot(): void {
    const file = join(this.paths.run, 'launcher.pid');
    let pid = 0;
    try {
      pid = Number(readFileSync(file, 'utf8').trim());
    } catch {
      /* none */
    }
    if (pid > 0 && pid !== process.pid && /launcher/.test(cmdline(pid))) throw new Error(`a device already runs on ${this.paths.root} (launcher pid ${pid}); stop it first`);
    writeFileSync(file, `${process.pid}\n`);
    this.ownsPidFile = true;
  }

  private async watchBus(): Promise<void> {
    const bus = this.bus!;
    const onJson = <V>(fn: (v: V) => void) => (_t: string, p: Buffer) => {
      try {
        fn(JSON.parse(p.toString()) as V);
      } catch {
        /* not ours to judge */
      }
    };
    await bus.subscribe(T.notify('boardd', 'bench'), onJson<{ url: string }>((u) => (this.status.bench = u.url)));
    await bus.subscribe(
      T.notify('httpd', 'urls'),
      onJson<{ http?: string; https?: string }>((u) => {
        this.status.http = u.http;
        this.status.https = u.https;
        this.writeStatus();
      }),
    );
    // restart.cgi and factory default ask for a reboot: the simulated device restarts its daemons
    await serve<{ restart(p: Record<string, never>): { ok: true } }>(bus, 'launcher', {
      restart: () => {
        void this.restartDaemons();
        return { ok: true };
      },
    });
    const required = this.services.filter((s) => s.required).map((s) => s.name);
    await watchSystemReady(bus, required, (ready) => {
      this.status.systemready = ready;
      if (ready && this.status.readyMs === undefined) this.status.readyMs = Math.round(performance.now() - this.t0);
      this.writeStatus();
      if (!this.stopping) this.say(ready ? `systemready ${JSON.stringify(this.status)}` : 'systemready lost');
    });
    // after a broker restart every daemon republishes its liveness; once all have, say systemready
    // again: the line printed before names a broker pid that is gone
    await bus.subscribe('belfry/daemon/+/state', (topic) => {
      if (!this.unheard) return;
      this.unheard.delete(topic.split('/')[2]!);
      if (this.unheard.size === 0 && this.status.systemready) {
        this.unheard = undefined;
        this.say(`systemready ${JSON.stringify(this.status)}`);
      }
    });
  }

  private writeBoot(): void {
    writeFileSync(join(this.paths.run, 'boot.json'), JSON.stringify({ bootid: randomUUID(), bootedAt: Date.now() }) + '\n');
  }

  /** A simulated reboot: every daemon stops and starts again (the bus stays). */
  private async restartDaemons(): Promise<void> {
    if (this.restarting || this.stopping) return;
    this.restarting = true;
    this.say('restarting daemons');
    await this.stopChildren();
    this.writeBoot();
    this.status.readyMs = undefined;
    this.restarting = false;
    for (const c of this.children) {
      c.failures = 0;
      this.spawn(c);
    }
  }

  private async startBroker(conf: string): Promise<void> {
    const again = this.broker !== undefined;
    this.broker = await startBroker(this.paths, conf, (code) => {
      if (this.stopping) return;
      this.brokerFailures++;
      const delay = backoffMs(this.brokerFailures);
      this.say(`bus exited (${code}); restarting in ${delay} ms`);
      setTimeout(() => void this.startBroker(conf).catch((err: Error) => this.say(`bus restart failed: ${err.message}`)), delay);
    });
    this.status.broker = this.broker.pid;
    if (again) {
      this.unheard = new Set(this.services.filter((s) => s.required).map((s) => s.name));
      this.writeStatus();
    }
  }

  /** Starts `c`'s host; `announce`: write the status file now (the first start writes it once for all). */
  private spawn(c: Child, announce = true): void {
    if (this.stopping) return;
    const names = c.host.daemons;
    const here = fileURLToPath(import.meta.url);
    // bundled: dist/launcher.mjs next to dist/host.mjs; from source (tests): run host.ts through tsx
    const fromSource = here.endsWith('.ts');
    const host = join(here, '..', fromSource ? 'host.ts' : 'host.mjs');
    // BELFRY_NODE_FLAGS: extra V8/Node flags for every daemon host (e.g. `--cpu-prof` while profiling)
    const extra = (process.env.BELFRY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const args = [...nodeFlags(names), ...extra, ...(fromSource ? ['--import', 'tsx'] : []), host, '--root', this.paths.root, ...names];
    // the IPC channel carries heartbeats, and closes when we die, which tells the host to leave
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...serviceEnv(names), BELFRY_ROOT: this.paths.root, BELFRY_SERVICES: this.services.map((s) => s.name).join(',') } });
    this.forward(proc.stdout!, process.stdout);
    this.forward(proc.stderr!, process.stderr);
    proc.on('message', (m: HostMessage) => {
      if ('beat' in m) c.lastBeat = Date.now();
      else if ('ready' in m) {
        c.lastBeat = Date.now();
        c.armed = true;
      }
      else if ('fatal' in m) c.fatal = m.fatal;
    });
    c.proc = proc;
    c.startedAt = c.lastBeat = Date.now();
    c.armed = false;
    c.fatal = undefined;
    for (const n of names) this.status.pids[n] = proc.pid ?? -1;
    if (announce) this.writeStatus();
    proc.on('exit', (code, signal) => this.exited(c, proc, code, signal));
  }

  private exited(c: Child, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (c.proc === proc) c.proc = undefined;
    if (this.stopping || this.restarting) return;
    const name = c.host.daemons.join('+');
    if (code === EXIT_CONFIG) {
      this.say(`${name} not restarted: ${c.fatal ?? 'configuration error (see its log)'}`);
      return;
    }
    c.failures = Date.now() - c.startedAt > STABLE_MS ? 1 : c.failures + 1;
    const delay = backoffMs(c.failures);
    this.say(`${name} exited (${signal ?? code}); restart in ${delay} ms`);
    c.timer = setTimeout(() => this.spawn(c), delay);
  }

  /** A host silent for longer than the watchdog allows (stopped, or its event loop stuck) is killed; `exited` restarts it. */
  private checkHeartbeats(): void {
    for (const c of this.children) {
      const limit = c.armed ? watchdogMs() : Math.max(START_TIMEOUT_MS, watchdogMs());
      if (!c.proc || this.stopping || this.restarting || Date.now() - c.lastBeat <= limit) continue;
      const what = c.armed ? 'did not answer' : 'did not start';
      this.say(`${c.host.daemons.join('+')} ${what} for ${limit} ms (watchdog); killing it`);
      c.lastBeat = Date.now();
      c.proc.kill('SIGKILL');
    }
  }

  /** Children's output, line by line, to our stdout/stderr (human-readable on a terminal) and to the system log as it came. */
  private forward(from: NodeJS.ReadableStream, to: NodeJS.WriteStream): void {
    let buf = '';
    from.on('data', (d: Buffer) => {
      this.systemLog?.append(d);
      if (!this.opts.pretty) return void to.write(d);
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        to.write(this.opts.pretty(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
  }

  private say(msg: string): void {
    process.stdout.write(`belfry: ${msg}\n`);
  }

  private writeStatus(): void {
    writeFileSync(join(this.paths.run, 'launcher.json'), JSON.stringify(this.status) + '\n');
  }

  private stopChildren(): Promise<void[]> {
    return Promise.all(
      this.children.map(async (c) => {
        clearTimeout(c.timer);
        if (c.proc) await terminate(c.proc, 5000);
      }),
    );
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.watchdog);
    await this.stopChildren();
    await this.bus?.close().catch(() => undefined);
    if (this.broker) await terminate(this.broker, 3000);
    if (!this.ownsPidFile) return;
    rmSync(join(this.paths.run, 'launcher.pid'), { force: true });
    this.say('stopped');
  }
}

/** SIGTERM, then SIGKILL after `ms`. */
function terminate(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), ms);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
