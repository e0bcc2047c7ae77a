import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpcCaller, T, type ParamdContract } from '@belfry/core';
import { startTestBus } from '@belfry/core/testing';

/**
 * Acknowledged batch updates while paramd is killed with SIGKILL at random moments. After every
 * restart the store must load, hold every acknowledged batch, and never show half a batch. Every
 * `DAMAGE_EVERY`th kill one file of the store is also damaged (each file in turn, each way in turn):
 * the last acknowledged batch must survive that too. paramd runs as the real bundled host process
 * (`make test` builds dist/ first).
 *
 * Each kill costs a paramd start (measured 1.3 s at load 12 on 2 cores); 100 kills land in every phase of
 * a save many times over (the store-file test covers each fs step deterministically). tap's file
 * timeout (package.json, 120 s) is raised for this file with the root `t.setTimeout`, which tap
 * forwards to the runner; a subtest's own `timeout` option does not lift the file's.
 */
const KILLS = Number(process.env.CRASH_KILLS ?? 100);
const DAMAGE_EVERY = 4;
const HOST = join(import.meta.dirname, '../../../dist/host.mjs');
const NAMES = ['Audio.A0.Name', 'Network.Bonjour.FriendlyName', 'Time.NTP.Server'];
const FILES = ['params.json', 'params.copy.json'];
const DAMAGES: [string, (f: string) => void][] = [
  ['truncated', (f) => truncateSync(f, Math.floor(readFileSync(f).length / 2))],
  ['garbage', (f) => writeFileSync(f, 'x')],
  ['deleted', (f) => unlinkSync(f)],
];
t.setTimeout(360_000);

t.test(`${KILLS} SIGKILLs during acknowledged batch updates, one file damaged every ${DAMAGE_EVERY}th`, async (t) => {
  t.ok(existsSync(HOST), 'dist/host.mjs is built');
  const tb = await startTestBus(['paramd', 'writer']);
  t.teardown(() => tb.stop());
  const bus = await tb.connect('writer');
  const rpc = new RpcCaller(bus);
  const params = rpc.client<ParamdContract>('paramd');
  let readyPid = 0;
  let readyWaiter: (() => void) | undefined;
  await bus.subscribe(T.state('paramd'), (_t, p) => {
    const s = JSON.parse(p.toString()) as { state: string; pid: number };
    if (s.state === 'ready') {
      readyPid = s.pid;
      readyWaiter?.();
    }
  });
  const startParamd = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [HOST, '--root', tb.root, 'paramd'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BELFRY_LOG_LEVEL: 'warn' } });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('paramd did not become ready')), 10_000);
      readyWaiter = () => {
        if (readyPid === child.pid) {
          clearTimeout(timer);
          resolve();
        }
      };
      readyWaiter();
    });
    return child;
  };

  let acked = -1; // last acknowledged batch number
  let sent = -1;
  let halfBatches = 0;
  let damages = 0;
  let lost = 0;
  let child = await startParamd();
  await params.update({ changes: Object.fromEntries(NAMES.map((n) => [n, 'v0'])) });
  acked = sent = 0;
  for (let k = 0; k < KILLS; k++) {
    let running = true;
    const writer = (async () => {
      while (running) {
        const i = sent + 1;
        sent = i;
        try {
          await params.update({ changes: Object.fromEntries(NAMES.map((n) => [n, `v${i}`])) }, { timeoutMs: 5000 });
          acked = i;
        } catch {
          return; // paramd died under this batch: it may or may not have landed
        }
      }
    })();
    await new Promise((r) => setTimeout(r, Math.random() * 40));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    running = false;
    rpc.close(); // fails the batch in flight, if any
    await writer;
    let damaged = '';
    if (k % DAMAGE_EVERY === DAMAGE_EVERY - 1) {
      // with nothing in flight: the last batch is acknowledged, then one file goes
      const d = damages++;
      const file = FILES[d % FILES.length]!;
      const [how, damage] = DAMAGES[Math.floor(d / FILES.length) % DAMAGES.length]!;
      child = await startParamd();
      const i = ++sent;
      await params.update({ changes: Object.fromEntries(NAMES.map((n) => [n, `v${i}`])) });
      acked = i;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      damage(join(tb.paths.state, 'paramd', file));
      damaged = ` (${file} ${how})`;
    }
    child = await startParamd();
    const got = (await params.get({ names: NAMES })).params;
    const values = NAMES.map((n) => got[n]);
    if (new Set(values).size !== 1) halfBatches++;
    const n = Number(values[0]!.slice(1));
    if (!(n >= acked && n <= sent)) lost++;
    if (new Set(values).size !== 1 || !(n >= acked && n <= sent)) t.fail(`after kill ${k}${damaged}: values ${values.join(',')}, acked v${acked}, sent v${sent}`);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rpc.close();
  t.equal(halfBatches, 0, 'no half batch was ever visible');
  t.equal(lost, 0, 'every acknowledged batch survived');
  t.ok(acked > KILLS, `batches were acknowledged between kills (${acked + 1} in all)`);
  const audit = join(tb.paths.log, 'audit-paramd.log');
  const lines = existsSync(audit) ? readFileSync(audit, 'utf8') : '';
  const recovered = lines.split('\n').filter((l) => l.includes('"params.recovered"'));
  t.equal(recovered.length, damages, `a fallback exactly at each of the ${damages} damaged files, never after a kill alone`);
  t.ok(recovered.every((l) => l.includes('"from":"the other copy"') && l.includes('"level":"warn"')), 'each time from the other copy, at warning level');
});
