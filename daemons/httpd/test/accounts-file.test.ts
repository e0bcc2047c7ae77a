import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accounts } from '../src/accounts.js';

/**
 * The accounts file in process (no device): an acknowledged account change survives the loss of any
 * one file of the store, and every fallback is audited at warning level.
 */
interface Line {
  action: string;
  fields: Record<string, unknown>;
  level?: string;
}
function open(dir: string) {
  const audit: Line[] = [];
  const a = new Accounts(dir, 'REALM', (action, fields, level) => audit.push({ action, fields, ...(level ? { level } : {}) }));
  a.open();
  return { a, audit };
}
function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-accounts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const DAMAGES: [string, (f: string) => void][] = [
  ['truncated', (f) => truncateSync(f, readFileSync(f).length - 20)],
  ['garbage', (f) => writeFileSync(f, 'x')],
  ['deleted', (f) => unlinkSync(f)],
];

t.test('an acknowledged account change survives the loss of any one file', async (t) => {
  for (const file of ['accounts.json', 'accounts.copy.json']) {
    for (const [how, damage] of DAMAGES) {
      await t.test(`${file} ${how}`, async (t) => {
        const dir = tmp(t);
        const { a } = open(dir);
        await a.add({ name: 'root', password: 'Root-Pass-1', role: 'admin', setup: true });
        await a.add({ name: 'joe', password: 'Joe-Pass-1', role: 'viewer' }); // the last acknowledged write
        damage(join(dir, file));
        const { a: back, audit } = open(dir);
        t.same(back.all().map((x) => x.name), ['root', 'joe'], 'both accounts, the last one included');
        t.ok(await back.verifyPassword('joe', 'Joe-Pass-1'), 'and its password');
        t.same(audit.map((l) => l.action), ['accounts.file_rejected', 'accounts.recovered']);
        t.ok(audit.every((l) => l.level === 'warn'), 'at warning level');
        t.same(audit[1]!.fields, { from: 'the other copy' });
        t.match(back.storage, { fallback: 'copy', reason: new RegExp(file.replace('.', '\\.')), at: /^\d{4}-/ }, 'the store says what it fell back to');
        if (how !== 'deleted') t.ok(existsSync(join(dir, `${file}.corrupt`)), 'the damaged file is kept aside');
        t.same(open(dir).audit, [], 'both copies rewritten: the next start is clean');
      });
    }
  }
});

t.test('the old accounts.json + accounts.prev.json layout loads, and a lost current file is reported', async (t) => {
  const body = (names: string[]) => JSON.stringify({ version: 1, accounts: names.map((name) => ({ name, role: 'admin', ptz: false, comment: '', kdf: { alg: 'scrypt', N: 16384, r: 8, p: 1, salt: '00', hash: '00' }, ha1: { md5: '00', sha256: '00' } })) });
  const legacy = (b: string) => `{"format":"belfry-accounts","sha256":"${createHash('sha256').update(b).digest('hex')}","body":${b}}\n`;
  const dir = tmp(t);
  writeFileSync(join(dir, 'accounts.json'), legacy(body(['root', 'amy'])));
  writeFileSync(join(dir, 'accounts.prev.json'), legacy(body(['root'])));
  let o = open(dir);
  t.same(o.a.all().map((x) => x.name), ['root', 'amy'], 'the accounts the device had');
  t.same(o.audit, [], 'nothing lost, nothing to report');
  t.notOk(existsSync(join(dir, 'accounts.prev.json')), 'converted to two copies');
  t.ok(existsSync(join(dir, 'accounts.copy.json')));
  const dir2 = tmp(t);
  writeFileSync(join(dir2, 'accounts.json'), 'x');
  writeFileSync(join(dir2, 'accounts.prev.json'), legacy(body(['root'])));
  o = open(dir2);
  t.same(o.a.all().map((x) => x.name), ['root'], 'the previous file');
  t.same(o.audit.map((l) => [l.action, l.level]), [['accounts.file_rejected', 'warn'], ['accounts.recovered', 'warn']]);
  t.same(o.audit[1]!.fields, { from: 'previous file' });
});
