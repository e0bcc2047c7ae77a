// Lint (eslint, recommended rules) plus checks eslint does not make: no focused or skipped tests.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const r = spawnSync('npx', ['eslint', '--max-warnings=0', '.'], { stdio: 'inherit' });
let bad = r.status ?? 1;
const files = spawnSync('git', ['ls-files', '*.test.ts'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  if (/\bt\.(only|skip|todo)\(|\{ *(only|skip|todo): *true/.test(text)) {
    console.error(`${f}: focused, skipped or todo test`);
    bad = 1;
  }
}
process.exit(bad);
