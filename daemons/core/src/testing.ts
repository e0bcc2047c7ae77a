import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { loadBoard, type BoardProfile } from '@belfry/board';
import { startBroker, writeBrokerFiles } from './broker.js';
import { Bus } from './bus.js';
import { readBusCredentials } from './credentials.js';
import { runDaemon, type DaemonModule, type RunningDaemon } from './daemon.js';
import { devicePaths, type DevicePaths } from './paths.js';
import { createLogger } from './log.js';

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

/** `n` TCP ports free on 127.0.0.1 right now (for devices started by tests and benchmarks). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
