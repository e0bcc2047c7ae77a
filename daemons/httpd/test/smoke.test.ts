import t from 'tap';
import { startDevice } from './device.js';

t.test('a device answers, in setup state, then with its first admin', async (t) => {
  const d = await startDevice(t);
  const sr = await d.req('POST', '/axis-cgi/systemready.cgi', { body: '{"apiVersion":"1","method":"systemready"}' });
  t.equal(sr.status, 200);
  t.match(JSON.parse(sr.body), { apiVersion: '1.4', method: 'systemready', data: { systemready: 'yes', needsetup: 'yes' } });
  await d.addAdmin();
  const r = await d.digest('GET', '/axis-cgi/usergroup.cgi', 'root', 'pass1');
  t.equal(r.status, 200);
  t.equal(r.body, 'root\nusers admin operator viewer ptz\n');
  const https = await d.digest('GET', '/axis-cgi/usergroup.cgi', 'root', 'pass1', { https: true });
  t.equal(https.status, 200, 'the same over HTTPS');
});
