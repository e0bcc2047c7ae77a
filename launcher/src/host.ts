import { ConfigError, EXIT_CONFIG, createLogger, devicePaths, prettyLogsOnTty, runDaemon, serviceEnv, type RunningDaemon } from '@belfry/core';
import { loadBoard } from '@belfry/board';
import { gcAfterBoot } from './boot-gc.js';
import { busListening } from './bus-wait.js';
import { DAEMON_MODULES } from './modules.js';
import { startHeartbeat } from './heartbeat.js';

/** How long an orphaned host gives its daemons to stop. */
const ORPHAN_STOP_MS = 2000;

/** What a host tells the launcher over its IPC channel. */
export type HostMessage = { beat: true } | { ready: true } | { fatal: string };

/**
 * A daemon host process: `host --root <root> <daemon>…`. The launcher and systemd run the hosts of
 * the service list's layout (`HOSTS`), one per daemon, or one for all; daemons never know which.
 * Exit codes: 0 after a clean stop, 1 when a daemon failed to start, EXIT_CONFIG (78) when a
 * restart cannot help (the reason was said in one line).
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
  await prettyLogsOnTty(); // a host started by hand on a terminal
  const log = createLogger(names.join('+') || 'host');
  const unknown = names.filter((n) => !DAEMON_MODULES[n]);
  if (!names.length || unknown.length) {
    log.error({ unknown }, 'usage: host --root <root> <daemon>…');
    process.exit(2);
  }
  const board = loadBoard(root);
  const running: RunningDaemon[] = [];
  const heartbeat = startHeartbeat();
  let stopping: Promise<void> | undefined;
  const stopDaemons = () =>
    (stopping ??= (async () => {
      heartbeat.stop();
      for (const d of [...running].reverse()) await d.stop();
    })());
  const stop = async (code: number) => {
    await stopDaemons();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  if (process.send) {
    // under the launcher, Ctrl-C reaches the whole process group: the launcher orders the stop
    process.on('SIGINT', () => undefined);
    // and if the launcher is gone (SIGKILL), nobody would restart or stop us: leave, even if a
    // daemon's stop hangs without the bus (the broker went with the launcher) or exit() does
    // (GStreamer's threads were seen to hold it): nobody waits for an exit code
    const leave = () => process.kill(process.pid, 'SIGKILL');
    process.on('disconnect', () => {
      setTimeout(leave, ORPHAN_STOP_MS).unref();
      void stopDaemons().then(leave);
    });
  } else process.on('SIGINT', () => void stop(0));
  try {
    const mods = await Promise.all(names.map((n) => DAEMON_MODULES[n]!()));
    await busListening(devicePaths(root).busSocket);
    for (const mod of mods) running.push(await runDaemon(mod, { root, board, log: createLogger(mod.name) }));
    heartbeat.ready();
    gcAfterBoot();
  } catch (err) {
    if (err instanceof ConfigError) {
      await report(err.message, log);
      return stop(EXIT_CONFIG);
    }
    log.error({ err }, 'start failed');
    await stop(1);
  }
}

/** One line: to the launcher, which prints it, or to the log (journald). */
async function report(message: string, log: ReturnType<typeof createLogger>): Promise<void> {
  if (process.send && process.connected) await new Promise((r) => process.send!({ fatal: message } satisfies HostMessage, undefined, {}, r));
  else log.fatal(message);
}

await main(process.argv.slice(2));
