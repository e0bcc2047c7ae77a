import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@belfry/core/testing';

export const LAUNCHER = join(import.meta.dirname, '../../dist/launcher.mjs');
export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Status {
  systemready: boolean;
  layout: string;
  pids: Record<string, number>;
  broker: number;
  bench?: string;
  http?: string;
  https?: string;
  readyMs?: number;
}

export interface Launched {
  root: string;
  proc: ChildProcess;
  httpPort: number;
  httpsPort: number;
  /** the next stdout line matching `re` (consumed), waiting up to `ms` */
  next(re: RegExp, ms?: number): Promise<string>;
  /** the next systemready status */
  ready(ms?: number): Promise<Status>;
  exited: Promise<number | null>;
  /** every stdout and stderr line so far */
  out: string[];
  err: string[];
}

export interface LaunchOptions {
  args?: string[];
  root?: string;
  env?: Record<string, string | undefined>;
  /**
   * without the right to bind ports below 1024, as a non-root user is: as root (CI) the launcher
   * runs under `setpriv` with CAP_NET_BIND_SERVICE dropped (another uid could not read a clone in
   * a 0700 folder, as `mktemp -d` makes them)
   */
  noLowPorts?: boolean;
  /** own process group, for a terminal's Ctrl-C (SIGINT to the group) */
  group?: boolean;
}

/** Starts the built launcher on a fresh (or given) root; everything is stopped and removed at teardown. */
export async function launch(t: { teardown(fn: () => unknown): void }, o: LaunchOptions = {}): Promise<Launched> {
  const root = o.root ?? mkdtempSync(join(tmpdir(), 'belfry-launch-'));
  const [httpPort, httpsPort, rtspPort] = (await freePorts(3)) as [number, number, number];
  // a fixed bench port per root could be the port another test's freePorts() just picked
  const env: Record<string, string | undefined> = { ...process.env, BELFRY_LOG_LEVEL: 'warn', HTTP_PORT: String(httpPort), HTTPS_PORT: String(httpsPort), RTSP_PORT: String(rtspPort), BENCH_PORT: '0', BELFRY_STOP_WITH_STDIN: '1', ...o.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const argv = [process.execPath, LAUNCHER, '--root', root, ...(o.args ?? [])];
  if (o.noLowPorts && process.getuid?.() === 0) argv.unshift('setpriv', '--bounding-set', '-net_bind_service', '--inh-caps', '-net_bind_service');
  // stdin is a pipe that only closes when this test process ends, however it ends
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env, detached: o.group });
  const out: string[] = [];
  const err: string[] = [];
  const unread: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const lines = (stream: NodeJS.ReadableStream, onLine: (l: string) => void) => {
    let buf = '';
    stream.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  };
  lines(proc.stdout!, (line) => {
    out.push(line);
    const w = waiters.find((w) => w.re.test(line));
    if (w) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    } else unread.push(line);
  });
  lines(proc.stderr!, (line) => err.push(line));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
    if (!o.root) rmSync(root, { recursive: true, force: true });
  });
  const next = (re: RegExp, ms = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const hit = unread.find((l) => re.test(l));
      if (hit) {
        unread.splice(unread.indexOf(hit), 1);
        return resolve(hit);
      }
      const timer = setTimeout(() => reject(new Error(`no line ${re} in ${ms} ms; got:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`)), ms);
      waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  const ready = async (ms?: number) => JSON.parse((await next(/^belfry: systemready \{/, ms)).replace(/^belfry: systemready /, '')) as Status;
  return { root, proc, httpPort, httpsPort, next, ready, exited, out, err };
}

/** A live process (a zombie, dead but not yet reaped, is not). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls until `pids` are all gone (a process being reaped takes a moment); returns those still alive. */
export async function gone(pids: number[], ms = 5000): Promise<number[]> {
  for (const end = Date.now() + ms; pids.some(alive) && Date.now() < end; ) await wait(50);
  return pids.filter(alive);
}
