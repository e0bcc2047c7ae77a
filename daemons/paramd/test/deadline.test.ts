import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { PARAMD, RpcCaller, T, runDaemon, type ClientOf } from '@belfry/core';
import { startTestBus, type TestBus } from '@belfry/core/testing';
import { daemon as paramd } from '../src/main.js';

const NAME = 'Audio.A0.Name';

async function caller(t: Test, tb: TestBus, user: string): Promise<ClientOf<typeof PARAMD>> {
  const rpc = new RpcCaller(await tb.connect(user));
  t.teardown(() => rpc.close());
  return rpc.client(PARAMD);
}

t.test('a write sent while paramd is stopped (SIGSTOP) times out and is not applied when paramd resumes', async (t) => {
  const tb = await startTestBus(['paramd', 'httpd']);
  t.teardown(() => tb.stop());
  const watcher = await tb.connect('cli');
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/run-paramd.ts'), tb.root], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BELFRY_LOG_LEVEL: 'warn' },
  });
  t.teardown(() => {
    child.kill('SIGCONT');
    child.kill('SIGTERM');
  });
  let out = '';
  const logLines: Record<string, unknown>[] = [];
  let onLine: (() => void) | undefined;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      logLines.push(JSON.parse(out.slice(0, nl)) as Record<string, unknown>);
      out = out.slice(nl + 1);
      onLine?.();
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('paramd did not become ready')), 20_000);
    void watcher.subscribe(T.state('paramd'), (_t, p) => {
      const s = JSON.parse(p.toString()) as { state: string; pid: number };
      if (s.state === 'ready' && s.pid === child.pid) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const httpd = await caller(t, tb, 'httpd');
  await httpd.update({ changes: { [NAME]: 'before' }, level: 'admin' });

  process.kill(child.pid!, 'SIGSTOP');
  await t.rejects(httpd.update({ changes: { [NAME]: 'late' }, level: 'admin' }, { timeoutMs: 300 }), { code: 'timeout' }, 'the caller gives up');
  process.kill(child.pid!, 'SIGCONT');

  t.equal((await httpd.get({ names: [NAME] })).params[NAME], 'before', 'the late write was not applied once paramd resumed');
  const dropped = () => logLines.find((l) => l.msg === 'dropped: deadline passed');
  if (!dropped()) await new Promise<void>((resolve) => (onLine = () => dropped() && resolve()));
  t.match(dropped(), { level: 40, service: 'paramd', method: 'update', caller: 'httpd' }, 'a warning names the method and the caller');
});

t.test('a write whose deadline passed while it waited in the write queue is dropped when its turn comes', async (t) => {
  const tb = await startTestBus(['paramd', 'httpd', 'audiod']);
  t.teardown(() => tb.stop());
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const pd = await runDaemon(paramd, { root: tb.root, board: tb.board, log });
  t.teardown(() => pd.stop());
  // an owner that approves Audio changes only when the test lets it: it holds the write queue
  let vetoCalls = 0;
  let release: (() => void) | undefined;
  let entered: (() => void) | undefined;
  const slowOwner = await runDaemon(
    {
      name: 'audiod',
      async start(ctx) {
        await ctx.vetoParams(['Audio'], async () => {
          vetoCalls++;
          entered?.();
          if (release === undefined) return;
          await new Promise<void>((r) => (release = r));
        });
        return { stop: async () => undefined };
      },
    },
    { root: tb.root, board: tb.board, log: pino({ level: 'silent' }) },
  );
  t.teardown(() => slowOwner.stop());
  const httpd = await caller(t, tb, 'httpd');
  // until paramd has seen audiod's veto declaration, writes do not ask it
  for (let i = 0; vetoCalls === 0 && i < 100; i++) {
    await httpd.update({ changes: { [NAME]: `warm-up ${i}` }, level: 'admin' });
    if (!vetoCalls) await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(vetoCalls > 0, 'paramd asks the owner');
  const warmCalls = vetoCalls;
  release = () => undefined;
  const inVeto = new Promise<void>((r) => (entered = r));
  const first = httpd.update({ changes: { [NAME]: 'first' }, level: 'admin' }, { timeoutMs: 10_000 });
  await inVeto;
  const second = httpd.update({ changes: { 'Audio.MaxListeners': '3' }, level: 'admin' }, { timeoutMs: 300 });
  await t.rejects(second, { code: 'timeout' }, 'the queued write times out for its caller');
  release();
  await first;
  const got = await httpd.get({ names: [NAME, 'Audio.MaxListeners'] });
  t.equal(got.params[NAME], 'first', 'the write ahead of it was applied');
  t.not(got.params['Audio.MaxListeners'], '3', 'the queued one was not');
  t.equal(vetoCalls, warmCalls + 1, 'the owner was not even asked about the dropped write');
  t.match(lines, [{ msg: 'dropped: deadline passed', method: 'paramd.update', caller: 'httpd' }]);
});
