import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@belfry/core/testing';

/**
 * The README's tour, run as written: every ```sh tour block, in order, in one bash with
 * `set -euo pipefail`, against a device started the way the README says (its root and ports from
 * BELFRY_ROOT / HTTP_PORT / HTTPS_PORT). A step that stops working fails this test, so the tour
 * cannot drift from the device again.
 */
const REPO = join(import.meta.dirname, '../..');
const LAUNCHER = join(REPO, 'dist/launcher.mjs');

export function tourBlocks(readme: string): string[] {
  return [...readme.matchAll(/^```sh tour\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

t.test('the README tour works as written', { timeout: 110_000 }, async (t) => {
  const blocks = tourBlocks(readFileSync(join(REPO, 'README.md'), 'utf8'));
  t.ok(blocks.length >= 5, `the README has its tour blocks (${blocks.length})`);
  t.ok(existsSync(LAUNCHER), 'dist/launcher.mjs is built');
  const root = mkdtempSync(join(tmpdir(), 'belfry-tour-'));
  const [http, https] = await freePorts(2);
  const env = { ...process.env, BELFRY_ROOT: root, HTTP_PORT: String(http), HTTPS_PORT: String(https), BELFRY_LOG_LEVEL: 'warn' };
  const dev = spawn(process.execPath, [LAUNCHER, '--root', root], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise((r) => dev.once('exit', r));
  t.teardown(async () => {
    if (dev.exitCode === null) {
      dev.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });
  dev.stderr!.resume();
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no systemready line in 20 s:\n${out}`)), 20_000);
    dev.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^belfry: systemready \{/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const script = ['set -euo pipefail', ...blocks].join('\n');
  const run = spawn('bash', ['-c', script], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  run.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  run.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => run.kill('SIGKILL'), 90_000);
    run.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  t.equal(code, 0, 'every tour command succeeded');
  if (code !== 0) t.comment(output);
  t.match(output, /"systemready"\s*:\s*"yes"/, 'systemready says yes');
  t.match(output, /root\.Brand\.ProdShortName=/, 'param.cgi answered the new admin');
});
