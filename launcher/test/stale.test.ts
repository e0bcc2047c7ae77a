import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdline, devicePaths } from '@belfry/core';
import { LAUNCHER, alive, gone, launch, wait } from './boot.js';

const freshRoot = (t: { teardown(fn: () => unknown): void }) => {
  const root = mkdtempSync(join(tmpdir(), 'belfry-stale-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
};
/** mosquitto processes of this root's broker config */
const brokersOf = (root: string) => {
  const conf = join(devicePaths(root).run, 'bus/mosquitto.conf');
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => alive(pid) && cmdline(pid).startsWith('mosquitto') && cmdline(pid).includes(conf));
};
/** what a process left behind is doing (for a failure message) */
const procState = (pid: number) => {
  try {
    return `${readFileSync(`/proc/${pid}/stat`, 'utf8').trim()} wchan=${readFileSync(`/proc/${pid}/wchan`, 'utf8')}`;
  } catch (err) {
    return String(err);
  }
};

t.test('kill -9 of the launcher takes the broker and the daemons with it; the next start runs one broker', async (t) => {
  const root = freshRoot(t);
  const first = await launch(t, { root });
  const status = await first.ready();
  first.proc.kill('SIGKILL');
  const procs: Record<string, number> = { broker: status.broker, ...status.pids };
  const left = await gone(Object.values(procs), 10_000);
  t.same(Object.keys(procs).filter((k) => left.includes(procs[k]!)).map((k) => `${k}: ${procState(procs[k]!)}`), [], 'broker and daemon hosts gone');
  const second = await launch(t, { root });
  const again = await second.ready();
  t.same(brokersOf(root), [again.broker], 'one broker for this root');
});

t.test('a stale broker of the root (its pid file) is stopped at start', async (t) => {
  const root = freshRoot(t);
  const first = await launch(t, { root });
  await first.ready();
  first.proc.kill('SIGTERM');
  await first.exited;
  // a broker left over by some earlier crash, under the root's pid file
  const paths = devicePaths(root);
  const stale = spawn('mosquitto', ['-c', join(paths.run, 'bus/mosquitto.conf')], { stdio: 'ignore' });
  t.teardown(() => stale.kill('SIGKILL'));
  for (let i = 0; i < 100 && !brokersOf(root).includes(stale.pid!); i++) await wait(20);
  writeFileSync(join(paths.run, 'bus.pid'), `${stale.pid}\n`);
  const second = await launch(t, { root });
  const status = await second.ready();
  t.not(status.broker, stale.pid);
  t.same(await gone([stale.pid!]), [], 'the stale broker was stopped');
  t.same(brokersOf(root), [status.broker], 'one broker for this root');
});

t.test('a second launcher on a running root refuses to start', async (t) => {
  const first = await launch(t);
  await first.ready();
  const second = spawnSync(process.execPath, [LAUNCHER, '--root', first.root], { encoding: 'utf8', env: { ...process.env, BELFRY_LOG_LEVEL: 'warn' }, timeout: 20_000 });
  t.equal(second.stdout, '', 'nothing started, nothing stopped');
  t.equal(second.status, 1);
  t.match(second.stderr, new RegExp(`^belfry: start failed: a device already runs on ${first.root} \\(launcher pid ${first.proc.pid}\\); stop it first$`, 'm'));
  t.equal((await fetch(`${(await import('node:fs')).readFileSync(join(first.root, 'run/belfry/bench.url'), 'utf8').trim()}/bench/state`)).status, 200, 'the first device still runs');
});
