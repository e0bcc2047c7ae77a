import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Importing a contract must not load its daemon's runtime (fastify, mqtt, pino, GStreamer, ajv…):
 * callers and later apps import contracts. Each import runs in a fresh process that records every
 * module it resolves; only typebox, Node's built-ins and contract modules may appear.
 */
const CONTRACTS = ['@belfry/core/contract', '@belfry/core/params-contract', '@belfry/boardd/contract', '@belfry/audiod/contract', '@belfry/httpd/contract', '@belfry/onvifd/contract'];
const HOOK = join(import.meta.dirname, 'fixtures/record-loads.mjs');

function loadsOf(specifier: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-loads-'));
  try {
    const file = join(dir, 'loads');
    execFileSync(process.execPath, ['--import', 'tsx', '--import', HOOK, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], {
      env: { ...process.env, BELFRY_LOADS_FILE: file },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const allowed = (url: string) => url.startsWith('node:') || /\/node_modules\/typebox\//.test(url) || /\/src\/(params-)?contract\.ts$/.test(url);

for (const c of CONTRACTS) {
  t.test(`${c} loads no runtime dependency`, async (t) => {
    const loads = loadsOf(c);
    t.ok(loads.some((u) => /contract\.ts$/.test(u)), 'the contract itself was loaded (the recorder works)');
    t.same(loads.filter((u) => !allowed(u)), [], 'only typebox and contract modules');
  });
}

t.test('the recorder sees runtime dependencies when they are loaded', async (t) => {
  const loads = loadsOf('@belfry/core');
  t.ok(loads.some((u) => /\/node_modules\/mqtt\//.test(u)), 'core’s runtime loads mqtt');
  t.ok(loads.some((u) => !allowed(u)));
});
