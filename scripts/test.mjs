// Runs every package's tests with tap and ends with the line "N passed, N failed".
// Test files: <package>/test/**/*.test.ts. Extra arguments are passed to tap (e.g. a file list).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// every workspace package: a new one cannot be left out by accident
const packages = JSON.parse(readFileSync('package.json', 'utf8')).workspaces;
function find(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const args = process.argv.slice(2);
const files = args.length ? args : packages.flatMap((p) => find(join(p, 'test'))).sort();
const tap = spawn('npx', ['tap', '--jobs=2', ...files], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BELFRY_LOG_LEVEL: process.env.BELFRY_LOG_LEVEL ?? 'warn' } });
let summary = '';
let tail = '';
tap.stdout.on('data', (d) => {
  process.stdout.write(d);
  tail = (tail + d.toString()).slice(-4096);
});
tap.on('exit', (code) => {
  const m = [...tail.matchAll(/# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?(?:, skip: (\d+))?(?:, todo: (\d+))?[^}]*\}/g)].pop();
  const total = m ? Number(m[1]) : 0;
  const pass = m ? Number(m[2]) : 0;
  const skip = m && m[4] ? Number(m[4]) : 0;
  const fail = m ? total - pass - skip : 1;
  summary = `${pass} passed, ${fail} failed` + (skip ? `, ${skip} skipped` : '');
  console.log(summary);
  process.exit(code === 0 && fail === 0 && total > 0 ? 0 : 1);
});
