import t from 'tap';
import { startDevice } from './device.js';

t.test('param.cgi list answers are remembered but never stale', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin();
  const list = async () => (await d.digest('GET', '/axis-cgi/param.cgi?action=list&group=Audio.A0.Name', 'root', 'pass1')).body;
  t.equal(await list(), 'root.Audio.A0.Name=Audio\n');
  t.equal(await list(), 'root.Audio.A0.Name=Audio\n', 'a second, remembered answer');
  // a write through param.cgi is visible to the very next list
  t.equal((await d.digest('GET', '/axis-cgi/param.cgi?action=update&Audio.A0.Name=Lobby', 'root', 'pass1')).body, 'OK\n');
  t.equal(await list(), 'root.Audio.A0.Name=Lobby\n', 'read your own write');
  // a write by another daemon reaches httpd through paramd's change notification
  await d.params.update({ changes: { 'Audio.A0.Name': 'Hall' } });
  let body = '';
  for (let i = 0; i < 40 && body !== 'root.Audio.A0.Name=Hall\n'; i++) {
    body = await list();
    if (body !== 'root.Audio.A0.Name=Hall\n') await new Promise((r) => setTimeout(r, 25));
  }
  t.equal(body, 'root.Audio.A0.Name=Hall\n', 'another writer’s change is seen');
  // levels are part of the key: an operator does not get the admin answer
  await d.digest('GET', '/axis-cgi/pwdgrp.cgi?action=add&user=op&pwd=pw&grp=users&sgrp=viewer:operator', 'root', 'pass1');
  const admin = (await d.digest('GET', '/axis-cgi/param.cgi?action=list&group=Network.HTTP', 'root', 'pass1')).body;
  const op = (await d.digest('GET', '/axis-cgi/param.cgi?action=list&group=Network.HTTP', 'op', 'pw')).body;
  t.match(admin, /AuthenticationPolicy/);
  t.notMatch(op, /AuthenticationPolicy/, 'admin-only params stay hidden from an operator');
});
