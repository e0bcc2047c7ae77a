import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus, RotatingFile, T, createLogger, devicePaths, readBusCredentials, serve, watchSystemReady, type DevicePaths } from '@belfry/core';
import { loadBoard } from '@belfry/board';
import { startBroker, writeBrokerFiles } from '@belfry/core';
import { EXTRA_BUS_USERS, SERVICES, nodeFlags, serviceEnv, type ServiceSpec } from '@belfry/core';

export interface LauncherOptions {
  root: string;
  together: boolean;
  /** start only these services (default: all) */
  only?: string[];
}

/** Restart delay after the n-th quick crash in a row: 100 ms doubling, at most 10 s. */
export function backoffMs(failures: number): number {
  return Math.min(10_000, 100 * 2 ** Math.max(0, failures - 1));
}
/** A child that ran this long counts as healthy again. */
const STABLE_MS = 10_000;
/** The simulated device's system log (journald's role on a device) rotates at this size. */
export const SYSTEM_LOG_MAX = 2 * 1024 * 1024;

interface Child {
  names: string[];
  proc?: ChildProcess;
  startedAt: number;
  failures: number;
  timer?: NodeJS.Timeout;
}

/**
 * Dev/CI stand-in for systemd: starts the bus, then the daemons; restarts a crashed one with backoff;
 * says `systemready` when every required daemon is ready; stops everything on SIGINT/SIGTERM.
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
  readonly status: { systemready: boolean; readyMs?: number; http?: string; https?: string; bench?: string; pids: Record<string, number>; broker?: number } = { systemready: false, pids: {} };
  private systemLog?: RotatingFile;
  private restarting = false;

  constructor(private readonly opts: LauncherOptions) {
    this.paths = devicePaths(opts.root);
    this.services = SERVICES.filter((s) => !opts.only || opts.only.includes(s.name));
  }

  async start(): Promise<void> {
    for (const d of [this.paths.run, this.paths.state, this.paths.log]) mkdirSync(d, { recursive: true, mode: 0o755 });
    loadBoard(this.paths.root); // makes the simulated board's factory data before any daemon reads it
    this.systemLog = new RotatingFile(join(this.paths.log, 'system.log'), SYSTEM_LOG_MAX);
    this.writeBoot();
    const names = this.services.map((s) => s.name);
    const conf = writeBrokerFiles(this.paths, SERVICES.map((s) => s.name), EXTRA_BUS_USERS);
    await this.startBroker(conf);
    this.bus = await Bus.connect({ socketPath: this.paths.busSocket, credentials: readBusCredentials(this.paths, 'launcher'), log: this.log });
    await this.bus.subscribe(T.notify('boardd', 'bench'), (_t, p) => {
      try {
        this.status.bench = (JSON.parse(p.toString()) as { url: string }).url;
      } catch {
        /* ignore */
      }
    });
    await this.bus.subscribe(T.notify('httpd', 'urls'), (_t, p) => {
      try {
        const u = JSON.parse(p.toString()) as { http?: string; https?: string };
        this.status.http = u.http;
        this.status.https = u.https;
        this.writeStatus();
      } catch {
        /* ignore */
      }
    });
    // restart.cgi and factory default ask for a reboot: the simulated device restarts its daemons
    await serve<{ restart(p: Record<string, never>): { ok: true } }>(this.bus, 'launcher', {
      restart: () => {
        void this.restartDaemons();
        return { ok: true };
      },
    });
    await watchSystemReady(
      this.bus,
      this.services.filter((s) => s.required).map((s) => s.name),
      (ready) => {
        this.status.systemready = ready;
        if (ready && this.status.readyMs === undefined) this.status.readyMs = Math.round(performance.now() - this.t0);
        this.writeStatus();
        this.say(ready ? `systemready ${JSON.stringify(this.status)}` : 'systemready lost');
      },
    );
    const groups = this.opts.together ? [names] : names.map((n) => [n]);
    for (const g of groups) {
      const c: Child = { names: g, startedAt: 0, failures: 0 };
      this.children.push(c);
      this.spawn(c);
    }
  }

  private writeBoot(): void {
    writeFileSync(join(this.paths.run, 'boot.json'), JSON.stringify({ bootid: randomUUID(), bootedAt: Date.now() }) + '\n');
  }

  /** A simulated reboot: every daemon stops and starts again (the bus stays). */
  private async restartDaemons(): Promise<void> {
    if (this.restarting || this.stopping) return;
    this.restarting = true;
    this.say('restarting daemons');
    await Promise.all(
      this.children.map(async (c) => {
        clearTimeout(c.timer);
        if (c.proc) await terminate(c.proc, 5000);
      }),
    );
    this.writeBoot();
    this.status.readyMs = undefined;
    this.restarting = false;
    for (const c of this.children) {
      c.failures = 0;
      this.spawn(c);
    }
  }

  private async startBroker(conf: string): Promise<void> {
    this.broker = await startBroker(this.paths, conf, (code) => {
      if (this.stopping) return;
      this.brokerFailures++;
      const delay = backoffMs(this.brokerFailures);
      this.say(`bus exited (${code}); restarting in ${delay} ms`);
      setTimeout(() => void this.startBroker(conf).catch((err: Error) => this.say(`bus restart failed: ${err.message}`)), delay);
    });
    this.status.broker = this.broker.pid;
  }

  private spawn(c: Child): void {
    if (this.stopping) return;
    const here = fileURLToPath(import.meta.url);
    // bundled: dist/launcher.mjs next to dist/host.mjs; from source (tests): run host.ts through tsx
    const fromSource = here.endsWith('.ts');
    const host = join(here, '..', fromSource ? 'host.ts' : 'host.mjs');
    // BELFRY_NODE_FLAGS: extra V8/Node flags for every daemon host (e.g. `--cpu-prof` while profiling)
    const extra = (process.env.BELFRY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const args = [...nodeFlags(c.names), ...extra, ...(fromSource ? ['--import', 'tsx'] : []), host, '--root', this.paths.root, ...c.names];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...serviceEnv(c.names), BELFRY_ROOT: this.paths.root, BELFRY_LAUNCHED: '1' } });
    // the daemons' output goes to our stdout and stderr, and to the system log
    proc.stdout!.on('data', (d: Buffer) => {
      process.stdout.write(d);
      this.systemLog?.append(d);
    });
    proc.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      this.systemLog?.append(d);
    });
    c.proc = proc;
    c.startedAt = Date.now();
    for (const n of c.names) this.status.pids[n] = proc.pid ?? -1;
    this.writeStatus();
    proc.on('exit', (code, signal) => {
      c.proc = undefined;
      if (this.stopping || this.restarting) return;
      c.failures = Date.now() - c.startedAt > STABLE_MS ? 1 : c.failures + 1;
      const delay = backoffMs(c.failures);
      this.say(`${c.names.join('+')} exited (${signal ?? code}); restart in ${delay} ms`);
      c.timer = setTimeout(() => this.spawn(c), delay);
    });
  }

  private say(msg: string): void {
    process.stdout.write(`belfry: ${msg}\n`);
  }

  private writeStatus(): void {
    writeFileSync(join(this.paths.run, 'launcher.json'), JSON.stringify(this.status) + '\n');
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(
      this.children.map(async (c) => {
        clearTimeout(c.timer);
        if (c.proc) await terminate(c.proc, 5000);
      }),
    );
    await this.bus?.close().catch(() => undefined);
    if (this.broker) await terminate(this.broker, 3000);
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
