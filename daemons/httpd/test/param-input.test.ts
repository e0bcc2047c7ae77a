import t from 'tap';
import { escapeEcho, parseForm } from '../src/form.js';
import { startDevice, type Device } from './device.js';
import { ADMIN } from './cgi-helpers.js';

/** param.cgi refuses what it cannot read exactly and never echoes a forged line (issue 9 item 7). */

t.test('parseForm: names are refused, not trimmed; text is UTF-8; the last repeated key wins', async (t) => {
  const a = parseForm('/p?action=update&Network.HostName%0a=x', undefined);
  t.match(a.problem, /whitespace or a control character/, 'a newline in a name');
  t.notOk(a.has('Network.HostName'), 'and it is not trimmed into another name');
  for (const name of ['%20Network.HostName', 'Network.HostName+', 'Net%09work', 'a%00b', 'a%E2%80%8Bb', 'a%C2%85b']) t.ok(parseForm(`/p?${name}=x`, undefined).problem, `${name} is refused`);
  t.notOk(parseForm('/p?Network.HostName=x', undefined).problem, 'a plain name is fine');
  const latin = parseForm('/p?FriendlyName=%E9t%E9', undefined);
  t.equal(latin.problem, 'the arguments are not UTF-8', 'Latin-1 escapes are refused');
  t.not(latin.get('FriendlyName'), 'été', 'and never read as Latin-1');
  t.equal(parseForm('/p', Buffer.from([0x61, 0x3d, 0xe9])).problem, 'the arguments are not UTF-8', 'a raw Latin-1 byte in the body');
  const u = parseForm('/p?a=%C3%A9t%C3%A9', Buffer.from('b=\u20ac&c=%zz%'));
  t.equal(u.problem, undefined);
  t.same([...u], [['a', 'été'], ['b', '€'], ['c', '%zz%']], 'UTF-8 escapes, raw UTF-8 in the body, broken escapes kept literally');
  const rep = parseForm('/p?x=1&y=2&x=3', 'y=4');
  t.same([...rep], [['x', '3'], ['y', '4']], 'the last wins, the body after the query, in the order of the last occurrence');
});

t.test('escapeEcho: one line, closed quotes, reversible', async (t) => {
  t.equal(escapeEcho("a\nroot.Brand.Brand=Evil"), 'a%0Aroot.Brand.Brand=Evil');
  t.equal(escapeEcho("50% o'clock\r\u2028\u0085\u200b"), '50%25 o%27clock%0D%E2%80%A8%C2%85%E2%80%8B');
  const s = "x%0A\n'é€\u0000";
  t.equal(decodeURIComponent(escapeEcho(s)), s, 'decodes back to what was sent');
  t.equal(escapeEcho('Hall speaker é'), 'Hall speaker é', 'ordinary text is untouched');
});

async function admin(d: Device, method: string, url: string, body?: string) {
  return d.digest(method, url, ADMIN.user, ADMIN.pw, body === undefined ? {} : { body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

async function value(d: Device, name: string): Promise<string | undefined> {
  return (await d.params.get({ names: [name] })).params[name];
}

t.test('param.cgi over HTTP', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const host = await value(d, 'Network.HostName');
  const friendly = await value(d, 'Network.Bonjour.FriendlyName');

  t.test('an error echoes the value escaped: no forged line', async (t) => {
    const r = await admin(d, 'GET', '/axis-cgi/param.cgi?action=update&Network.Bonjour.FriendlyName=a%0aroot.Brand.Brand=Evil');
    t.equal(r.status, 200);
    t.equal(r.body, "# Error: Error setting 'Network.Bonjour.FriendlyName' to 'a%0Aroot.Brand.Brand=Evil'!\n", 'one line');
    t.notMatch(r.body, /^root\./m, 'no line a client parses as a parameter');
    t.equal(await value(d, 'Network.Bonjour.FriendlyName'), friendly, 'nothing changed');
    const action = await admin(d, 'POST', '/axis-cgi/param.cgi', "action=x%0d%0aroot.Brand.Brand=Evil'");
    t.equal(action.body, "# Error: Unknown action 'x%0D%0Aroot.Brand.Brand=Evil%27'\n", 'the action is escaped too');
    const group = await admin(d, 'GET', '/axis-cgi/param.cgi?action=list&group=No%0aroot.Brand.Brand=Evil');
    t.equal(group.body, "# Error: Error -1 getting param in group 'No%0Aroot.Brand.Brand=Evil'\n", 'and a group');
    const add = await admin(d, 'GET', '/axis-cgi/param.cgi?action=add&group=No%0aroot.A=1&template=t%0aroot.B=2');
    t.equal(add.body, "# Error: Error adding group 'No%0Aroot.A=1' from template 't%0Aroot.B=2'!\n", 'and add');
    const remove = await admin(d, 'GET', '/axis-cgi/param.cgi?action=remove&group=No%0aroot.A=1');
    t.equal(remove.body, "# Error: Error removing group 'No%0Aroot.A=1'!\n", 'and remove');
  });

  t.test('a name with a newline is refused, not trimmed', async (t) => {
    const r = await admin(d, 'GET', '/axis-cgi/param.cgi?action=update&Network.HostName%0a=evil');
    t.equal(r.body, "# Error: the name 'Network.HostName%0A' contains whitespace or a control character\n");
    t.equal(await value(d, 'Network.HostName'), host, 'HostName unchanged');
    const both = await admin(d, 'POST', '/axis-cgi/param.cgi', 'action=update&Network.Bonjour.FriendlyName=ok&+Network.HostName=evil');
    t.match(both.body, /^# Error: the name ' Network.HostName' contains whitespace/, 'a leading space');
    t.equal(await value(d, 'Network.Bonjour.FriendlyName'), friendly, 'and nothing of the request was applied');
  });

  t.test('root.root. is refused', async (t) => {
    const r = await admin(d, 'GET', '/axis-cgi/param.cgi?action=update&root.root.Network.HostName=evil');
    t.equal(r.body, "# Error: Error setting 'root.root.Network.HostName' to 'evil'!\n");
    t.equal(await value(d, 'Network.HostName'), host);
    const l = await admin(d, 'GET', '/axis-cgi/param.cgi?action=list&group=root.root.Brand');
    t.equal(l.body, "# Error: Error -1 getting param in group 'root.root.Brand'\n");
  });

  t.test('invalid UTF-8 is refused, not stored as Latin-1', async (t) => {
    const r = await admin(d, 'GET', '/axis-cgi/param.cgi?action=update&Network.Bonjour.FriendlyName=%E9t%E9');
    t.equal(r.body, '# Error: the arguments are not UTF-8\n');
    t.equal(await value(d, 'Network.Bonjour.FriendlyName'), friendly);
    const ok = await admin(d, 'GET', '/axis-cgi/param.cgi?action=update&Network.Bonjour.FriendlyName=%C3%A9t%C3%A9');
    t.equal(ok.body, 'OK\n', 'UTF-8 is stored');
    t.equal(await value(d, 'Network.Bonjour.FriendlyName'), 'été');
  });

  t.test('repeated keys: the last wins, the body over the query', async (t) => {
    t.equal((await admin(d, 'GET', '/axis-cgi/param.cgi?action=update&Network.Bonjour.FriendlyName=first&Network.Bonjour.FriendlyName=last')).body, 'OK\n');
    t.equal(await value(d, 'Network.Bonjour.FriendlyName'), 'last');
    t.equal((await admin(d, 'POST', '/axis-cgi/param.cgi?action=update&Network.Bonjour.FriendlyName=query', 'Network.Bonjour.FriendlyName=body')).body, 'OK\n');
    t.equal(await value(d, 'Network.Bonjour.FriendlyName'), 'body');
  });
});
