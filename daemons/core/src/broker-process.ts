import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { nativeFile } from './native.js';
import type { DevicePaths } from './paths.js';

/**
 * mosquitto as a child that dies with its parent. Node has no prctl(PR_SET_PDEATHSIG), so a small
 * sh wrapper keeps a copy of the stdin pipe and becomes mosquitto (`exec`, same pid); a background
 * reader waits on that pipe and stops mosquitto when it ends, i.e. when the parent exits, even by
 * SIGKILL. The broker gets its own process group, so a terminal's Ctrl-C reaches the launcher only,
 * which stops the daemons before the bus.
 */
const WRAPPER = 'exec 3<&0; p=$$; { read -r _ <&3; kill $p 2>/dev/null; } & exec "$0" -c "$1" </dev/null 3<&-';

/** mosquitto prints this at every start as root (it cannot bind our root-owned socket folder as another user). */
const ROOT_WARNING = /Warning: Mosquitto should not be run as root\/administrator\.$/;

/** `<run>/bus.pid`: the broker of this root, so that a start after a crash can stop a stale one. */
export const brokerPidFile = (paths: DevicePaths) => join(paths.run, 'bus.pid');

/** Starts mosquitto and resolves once its socket accepts connections. */
export async function startBroker(paths: DevicePaths, conf: string, onExit: (code: number | null) => void): Promise<ChildProcess> {
  await stopStaleBroker(paths, conf);
  rmSync(paths.busSocket, { force: true });
  const bin = process.env.MOSQUITTO ?? 'mosquitto';
  // the broker's idle tick (native/broker-tick.c; without a build mosquitto wakes every 100 ms as shipped)
  const tick = process.env.MOSQUITTO ? undefined : nativeFile('broker-tick.so');
  const env = tick ? { ...process.env, LD_PRELOAD: [tick, process.env.LD_PRELOAD].filter(Boolean).join(' ') } : process.env;
  const child = spawn('/bin/sh', ['-c', WRAPPER, bin, conf], { stdio: ['pipe', 'ignore', 'pipe'], detached: true, env });
  forwardLines(child.stderr!, (line) => ROOT_WARNING.test(line) || process.stderr.write(line + '\n'));
  writeFileSync(brokerPidFile(paths), `${child.pid}\n`);
  let exited = false;
  child.on('exit', (code) => {
    exited = true;
    // ends the wrapper's reader
    child.stdin?.destroy();
    onExit(code);
  });
  const error = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`cannot start ${bin}: ${e.message}`))));
  const deadline = Date.now() + 5000;
  for (;;) {
    if (exited) throw new Error('mosquitto exited during start (see its log above)');
    if (await Promise.race([canConnect(paths.busSocket), error])) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('mosquitto did not open its socket within 5 s');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A broker of this root left running (its pid file names a live mosquitto of this config): stop it. */
export async function stopStaleBroker(paths: DevicePaths, conf: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number(readFileSync(brokerPidFile(paths), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!(pid > 0) || !cmdline(pid).includes(conf)) return undefined;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && cmdline(pid).includes(conf); i++) await new Promise((r) => setTimeout(r, 10));
  if (cmdline(pid).includes(conf)) process.kill(pid, 'SIGKILL');
  return pid;
}

/** The command line of a live process ('' if none; a zombie has none either). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function forwardLines(stream: NodeJS.ReadableStream, onLine: (line: string) => unknown): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
