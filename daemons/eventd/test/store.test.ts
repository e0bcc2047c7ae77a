import t from 'tap';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMITS } from '../src/model.js';
import { EventdStore } from '../src/store.js';

const fresh = (t: { teardown(fn: () => void): void }) => {
  const dir = mkdtempSync(join(tmpdir(), 'eventd-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const action = (name: string) => ({ name, template: 'com.axis.action.fixed.stop.audioclip', params: {} });

t.test('records get ids, survive a restart, and ids are not reused after a removal', async (t) => {
  const dir = fresh(t);
  const a = new EventdStore(dir);
  a.load();
  const one = a.add('actions', action('one'));
  const two = a.add('actions', action('two'));
  a.remove('actions', one.id);
  const b = new EventdStore(dir);
  b.load();
  t.same(b.list('actions').map((r) => [r.id, r.name]), [[two.id, 'two']]);
  t.equal(b.add('actions', action('three')).id, two.id + 1);
});

t.test('a table refuses the record past its limit and keeps what it had', async (t) => {
  const dir = fresh(t);
  const s = new EventdStore(dir);
  s.load();
  for (let i = 0; i < LIMITS.recipients; i++) s.add('recipients', { name: `r${i}`, template: 'com.axis.recipient.tcp', params: {} });
  t.throws(() => s.add('recipients', { name: 'one too many', template: 'com.axis.recipient.tcp', params: {} }), { code: 'limit_exceeded' });
  const again = new EventdStore(dir);
  again.load();
  t.equal(again.list('recipients').length, LIMITS.recipients);
});

t.test('replace and remove of an unknown id are not_found and change nothing', async (t) => {
  const s = new EventdStore(fresh(t));
  s.load();
  s.add('actions', action('kept'));
  t.throws(() => s.remove('actions', 99), { code: 'not_found' });
  t.throws(() => s.replace('actions', { id: 99, ...action('x') }), { code: 'not_found' });
  t.same(s.list('actions').map((r) => r.name), ['kept']);
});

t.test('a failed save changes nothing in memory', async (t) => {
  const dir = fresh(t);
  const s = new EventdStore(join(dir, 'state'));
  s.load();
  s.add('actions', action('before'));
  // the state folder replaced by a file: the next save cannot write
  rmSync(join(dir, 'state'), { recursive: true });
  writeFileSync(join(dir, 'state'), 'not a folder');
  t.throws(() => s.add('actions', action('lost')));
  t.same(s.list('actions').map((r) => r.name), ['before']);
});

t.test('the loss of one file loses nothing; a garbage copy is moved aside', async (t) => {
  const dir = fresh(t);
  const s = new EventdStore(dir);
  s.load();
  s.add('actions', action('kept'));
  writeFileSync(join(dir, 'config.json'), '{garbage');
  const again = new EventdStore(dir);
  again.load();
  t.same(again.list('actions').map((r) => r.name), ['kept']);
  t.ok(readdirSync(dir).some((f) => f.endsWith('.corrupt')));
});

t.test('a device without configuration is seeded once', async (t) => {
  const dir = fresh(t);
  let seeded = 0;
  const seed = (st: EventdStore) => {
    seeded++;
    st.add('actions', action('preconfigured'));
  };
  new EventdStore(dir).load(seed);
  const again = new EventdStore(dir);
  again.load(seed);
  t.equal(seeded, 1);
  t.same(again.list('actions').map((r) => r.name), ['preconfigured']);
});

t.test('listeners hear about a change after it is saved', async (t) => {
  const s = new EventdStore(fresh(t));
  s.load();
  const heard: string[] = [];
  s.onChange((table) => heard.push(`${table}:${s.list(table).length}`));
  s.add('rules', { name: 'r', enabled: true, conditions: [], activationTimeoutMs: 0, primaryAction: 1 });
  t.same(heard, ['rules:1']);
});
