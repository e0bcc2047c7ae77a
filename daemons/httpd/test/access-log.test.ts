import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessLog } from '../src/access-log.js';

const entry = (url: string, i = 0) => ({ addr: '10.0.0.1', user: i % 2 ? 'root' : '', method: 'GET', url, status: 200, ms: 1.25 });

t.test('lines are batched, then appended whole and in order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'access-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = new AccessLog(dir);
  log.write(entry('/a?pwd=secret&x=1'));
  t.throws(() => readFileSync(log.file), 'nothing written before the batch is due');
  await new Promise((r) => setTimeout(r, 150));
  const first = readFileSync(log.file, 'utf8');
  t.match(first, /^\d{4}-\d\d-\d\dT[\d:.]+Z 10\.0\.0\.1 - GET \/a\?pwd=\*\*\*&x=1 200 1\.3ms\n$/, 'one line, the secret blanked');
  // many at once, with a line of 3 KiB of multi-byte text among them
  const n = 2000;
  for (let i = 0; i < n; i++) log.write(entry(i === 1000 ? `/é${'ü'.repeat(1500)}` : `/p/${i}`, i));
  log.flush();
  const lines = readFileSync(log.file, 'utf8').split('\n').slice(1, -1);
  t.equal(lines.length, n, 'every line');
  t.ok(lines.every((l, i) => l.includes(i === 1000 ? ` /é${'ü'.repeat(1500)} ` : ` /p/${i} `)), 'in order, none cut');
  t.ok(lines[1]!.includes(' root GET '), 'the user');
});
