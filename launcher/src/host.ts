import { createLogger, runDaemon, serviceEnv, type RunningDaemon } from '@belfry/core';
import { loadBoard } from '@belfry/board';
import { DAEMON_MODULES } from './modules.js';

/**
 * A daemon host process: `host --root <root> <daemon>…`. The launcher runs one host per daemon, or
 * one host for all of them with `--together`; systemd runs one host per daemon on a device. Daemons
 * never know which. Exit codes: 0 after a clean stop, 1 when a daemon failed to start.
 */
export async function main(argv: string[]): Promise<void> {
  // the launcher and systemd set these before the process starts; a host started by hand gets them
  // here, before any daemon code runs (libuv reads UV_THREADPOOL_SIZE at its first queued work)
  for (const [k, v] of Object.entries(serviceEnv(argv.filter((a) => !a.startsWith('-'))))) process.env[k] ??= v;
  let root = process.env.BELFRY_ROOT ?? '/';
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--root') root = argv[++i] ?? root;
    else names.push(a);
  }
  const log = createLogger(names.join('+') || 'host');
  const unknown = names.filter((n) => !DAEMON_MODULES[n]);
  if (!names.length || unknown.length) {
    log.error({ unknown }, 'usage: host --root <root> <daemon>…');
    process.exit(2);
  }
  const board = loadBoard(root);
  const running: RunningDaemon[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const d of [...running].reverse()) await d.stop();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  if (process.env.BELFRY_LAUNCHED) {
    // under the launcher, Ctrl-C reaches the whole process group: the launcher orders the stop
    process.on('SIGINT', () => undefined);
    // and if the launcher is gone (SIGKILL), nobody would restart or stop us: leave
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void stop(0);
    }, 1000).unref();
  } else process.on('SIGINT', () => void stop(0));
  try {
    const mods = await Promise.all(names.map((n) => DAEMON_MODULES[n]!()));
    for (const mod of mods) running.push(await runDaemon(mod, { root, board, log: createLogger(mod.name) }));
  } catch (err) {
    log.error({ err }, 'start failed');
    await stop(1);
  }
}

await main(process.argv.slice(2));
