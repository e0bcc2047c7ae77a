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
// Every failure is repeated at the end: a CI log is often read by its tail only.
const failures = new FailureLog();
tap.stdout.on('data', (d) => {
  process.stdout.write(d);
  tail = (tail + d.toString()).slice(-4096);
  failures.feed(d.toString());
});
tap.on('exit', (code) => {
  const m = [...tail.matchAll(/# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?(?:, skip: (\d+))?(?:, todo: (\d+))?[^}]*\}/g)].pop();
  const total = m ? Number(m[1]) : 0;
  const pass = m ? Number(m[2]) : 0;
  const skip = m && m[4] ? Number(m[4]) : 0;
  const fail = m ? total - pass - skip : 1;
  failures.print();
  summary = `${pass} passed, ${fail} failed` + (skip ? `, ${skip} skipped` : '');
  console.log(summary);
  process.exit(code === 0 && fail === 0 && total > 0 ? 0 : 1);
});

// Collects each "not ok" line with the subtest path above it and its YAML diagnostics (bounded).
function FailureLog() {
  const found = [];
  const path = [];
  let partial = '';
  let open = null;
  this.feed = (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop();
    for (const line of lines) take(line);
  };
  function take(line) {
    const indent = line.length - line.trimStart().length;
    const sub = /^\s*# Subtest: (.*)$/.exec(line);
    if (sub) {
      path.length = indent / 4;
      path.push(sub[1]);
      return;
    }
    if (open) {
      if (line.trim() === '...' || open.lines.length >= 16) open = null;
      else open.lines.push(line);
      return;
    }
    if (/^\s*not ok /.test(line) && found.length < 50) {
      // a parent fails because a child did: its line is enough
      const parent = found.length > 0 && found[found.length - 1].indent > indent;
      const entry = { indent, where: path.slice(0, indent / 4).join(' > '), lines: [line.trim()] };
      found.push(entry);
      open = parent ? null : entry;
    }
  }
  this.print = () => {
    if (!found.length) return;
    console.log(`\n# ${found.length} failure line(s), innermost first:`);
    for (const f of found) console.log(`# in ${f.where || '(top)'}\n${f.lines.join('\n')}`);
  };
}
