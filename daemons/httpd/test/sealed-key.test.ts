import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordSealer } from '../src/auth/sealed-password.js';

t.test('the WS-Security sealing key is kept wrapped under the board KEK; an old plain key is wrapped at first use', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-wsse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kek = randomBytes(32);
  const s = new PasswordSealer(join(dir, 'a'), kek);
  const sealed = s.seal('pass-word-1');
  const file = readFileSync(join(dir, 'a', 'wsse.key'), 'utf8');
  t.match(file, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/, 'wrapped on disk');
  t.equal(new PasswordSealer(join(dir, 'a'), kek).open(sealed), 'pass-word-1', 'opened after a restart');
  t.equal(new PasswordSealer(join(dir, 'a'), randomBytes(32)).open(sealed), undefined, 'not with another KEK');

  // an older firmware's plain key
  const plain = randomBytes(32);
  const old = join(dir, 'b');
  new PasswordSealer(old).seal('x'); // makes the folder
  writeFileSync(join(old, 'wsse.key'), plain);
  const legacy = new PasswordSealer(old);
  const sealedOld = legacy.seal('old-pass');
  const migrated = new PasswordSealer(old, kek);
  t.equal(migrated.open(sealedOld), 'old-pass', 'passwords sealed with the plain key still open');
  t.notOk(readFileSync(join(old, 'wsse.key')).equals(plain), 'the plain key is gone from disk');
  t.equal(new PasswordSealer(old, kek).open(sealedOld), 'old-pass', 'and opens from the wrapped file');
});
