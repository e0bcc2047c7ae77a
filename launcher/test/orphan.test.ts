import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@belfry/core/testing';
import { LAUNCHER, gone, type Status } from './boot.js';

// A test process killed by tap's timeout never runs its teardown: with BELFRY_STOP_WITH_STDIN the
// device it started must stop by itself when the harness's end of the stdin pipe closes.
t.test('a device whose harness is SIGKILLed stops with it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'belfry-orphan-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const [http, https, rtsp] = (await freePorts(3)) as [number, number, number];
  const env = { ...process.env, BELFRY_LOG_LEVEL: 'warn', HTTP_PORT: String(http), HTTPS_PORT: String(https), RTSP_PORT: String(rtsp), BENCH_PORT: '0', BELFRY_STOP_WITH_STDIN: '1' };
  // the harness: spawns the launcher with a stdin pipe and passes its stdout through
  const harnessCode = `require('node:child_process').spawn(process.execPath, ${JSON.stringify([LAUNCHER, '--root', root, '--together'])}, { stdio: ['pipe', 'inherit', 'inherit'] }); setInterval(() => {}, 1e6);`;
  const harness = spawn(process.execPath, ['-e', harnessCode], { stdio: ['ignore', 'pipe', 'inherit'], env });
  t.teardown(() => harness.kill('SIGKILL'));
  const status = await new Promise<Status>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no systemready; got ${buf}`)), 60_000);
    harness.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /^belfry: systemready (\{.*\})$/m.exec(buf);
      if (!m) return;
      clearTimeout(timer);
      resolve(JSON.parse(m[1]!) as Status);
    });
  });
  const pids = [...new Set(Object.values(status.pids)), status.broker];
  harness.kill('SIGKILL');
  t.same(await gone(pids, 15_000), [], 'every process of the device is gone');
});
