import t from 'tap';
import { startDevice } from './device.js';
import { ADMIN, addAccount, rawReq, waitFor } from './cgi-helpers.js';
import { basic, digestAuth, freshNonce } from './auth-helpers.js';

/**
 * The hot lane (hot-lane.ts) answers memoised param.cgi lists and basic device info before fastify.
 * Everything here compares it with the full path and checks that auth behaves exactly the same.
 */
t.test('hot lane: same answers, same auth, same logs', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, 'watcher', 'watch1', 'viewer');
  const ch = await freshNonce(d);
  let nc = 0;
  const dg = (method: string, uri: string, user = ADMIN.user, password = ADMIN.pw, n = ++nc) => digestAuth({ user, password, realm: ch.realm, nonce: ch.nonce, method, uri, nc: n });
  const get = (uri: string, auth: string) => rawReq(d.httpPort, 'GET', uri, { headers: { Authorization: auth } });
  // header lines as pairs, without the Date (it changes every second)
  const strip = (h: string[]) => h.flatMap((v, i) => (i % 2 === 0 && !/^date$/i.test(v) ? [`${v}: ${h[i + 1]}`] : []));

  // param.cgi: the first list fills the memo through the full path, the second is the lane's
  const uri = '/axis-cgi/param.cgi?action=list&group=Brand';
  const cold = await get(uri, dg('GET', uri));
  const hot = await get(uri, dg('GET', uri));
  t.equal(cold.status, 200);
  t.equal(hot.body, cold.body, 'same body');
  t.same(strip(hot.rawHeaders), strip(cold.rawHeaders), 'same headers, same order');

  // a change drops the memo: the lane never serves an old value
  const bonjour = '/axis-cgi/param.cgi?action=list&group=Network.Bonjour';
  t.notMatch((await get(bonjour, dg('GET', bonjour))).body, /=Lobby$/m);
  t.notMatch((await get(bonjour, dg('GET', bonjour))).body, /=Lobby$/m, 'from the memo');
  const set = '/axis-cgi/param.cgi?action=update&Network.Bonjour.FriendlyName=Lobby';
  t.equal((await get(set, dg('GET', set))).body, 'OK\n');
  await waitFor('the new value', async () => (await get(bonjour, dg('GET', bonjour))).body.includes('root.Network.Bonjour.FriendlyName=Lobby\n') || undefined);

  // replayed nc, wrong password, stale nonce: all refused as on the full path
  const n = ++nc;
  t.equal((await get(uri, dg('GET', uri, ADMIN.user, ADMIN.pw, n))).status, 200);
  t.equal((await get(uri, dg('GET', uri, ADMIN.user, ADMIN.pw, n))).status, 401, 'a replayed nc is refused');
  const wrong = await get(uri, dg('GET', uri, ADMIN.user, 'not-it'));
  t.equal(wrong.status, 401, 'a wrong password is refused');
  t.match(String(wrong.headers['www-authenticate']), /^Digest realm=/, 'with the challenge');
  const bogus = `${ch.nonce.slice(0, -4)}AAAA`;
  const stale = await get(uri, digestAuth({ user: ADMIN.user, password: ADMIN.pw, realm: ch.realm, nonce: bogus, method: 'GET', uri, nc: 1 }));
  t.equal(stale.status, 401, 'a forged nonce is refused');

  // basic device info: the lane (Digest) and the full path (Basic over HTTPS) answer the same bytes
  const bdi = '/axis-cgi/basicdeviceinfo.cgi';
  const body = '{"apiVersion":"1.3","context":"ctx \\"q\\"","method":"getAllProperties"}';
  const viaLane = await rawReq(d.httpPort, 'POST', bdi, { body, headers: { 'Content-Type': 'application/json', Authorization: dg('POST', bdi) } });
  const viaFull = await d.req('POST', bdi, { body, https: true, headers: { 'Content-Type': 'application/json', Authorization: basic(ADMIN.user, ADMIN.pw) } });
  t.equal(viaLane.status, 200);
  t.equal(viaLane.body, viaFull.body, 'same body, context echoed');
  t.equal(viaLane.headers['content-type'], viaFull.headers['content-type'], 'same content type');

  // what the lane does not answer goes the full way, its body replayed
  const some = await rawReq(d.httpPort, 'POST', bdi, { body: '{"apiVersion":"1.3","method":"getProperties","params":{"propertyList":["Brand","ProdNbr"]}}', headers: { 'Content-Type': 'application/json', Authorization: dg('POST', bdi) } });
  t.match(JSON.parse(some.body), { data: { propertyList: { Brand: 'Belfry' } } }, 'getProperties through the full path');
  const upd = '/axis-cgi/param.cgi';
  const post = await rawReq(d.httpPort, 'POST', upd, { body: 'action=list&group=Brand', headers: { 'Content-Type': 'text/plain', Authorization: dg('POST', upd) } });
  t.match(post.body, /^root\.Brand\.Brand=Belfry$/m, 'a POST param.cgi list with a text/plain body');
  const viewer = await freshNonce(d);
  const asViewer = await rawReq(d.httpPort, 'POST', bdi, { body, headers: { 'Content-Type': 'application/json', Authorization: digestAuth({ user: 'watcher', password: 'watch1', realm: viewer.realm, nonce: viewer.nonce, method: 'POST', uri: bdi, nc: 1 }) } });
  t.equal(asViewer.status, 403, 'a viewer may not read all properties: 403 from the full path');

  // the access log has the lane's answers
  const log = await d.digest('GET', '/axis-cgi/admin/accesslog.cgi', ADMIN.user, ADMIN.pw);
  t.match(log.body, new RegExp(`${ADMIN.user} GET /axis-cgi/param\\.cgi\\?action=list&group=Brand 200`), 'lane answers are logged');
});

t.test('hot lane: a blocked client gets its 403 even with good credentials', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  // defaults: blocking on, 20 failures a second on one page block the client for 10 s
  const ch = await freshNonce(d);
  const uri = '/axis-cgi/param.cgi?action=list&group=Brand';
  let nc = 0;
  const auth = (pw: string) => digestAuth({ user: ADMIN.user, password: pw, realm: ch.realm, nonce: ch.nonce, method: 'GET', uri, nc: ++nc });
  t.equal((await rawReq(d.httpPort, 'GET', uri, { headers: { Authorization: auth(ADMIN.pw) } })).status, 200, 'fills the memo');
  let blocked = false;
  for (let i = 0; i < 40 && !blocked; i++) blocked = (await rawReq(d.httpPort, 'GET', uri, { headers: { Authorization: auth('wrong') } })).status === 403;
  t.ok(blocked, 'wrong passwords get the client blocked');
  t.equal((await rawReq(d.httpPort, 'GET', uri, { headers: { Authorization: auth(ADMIN.pw) } })).status, 403, 'then even the right password gets 403');
});
