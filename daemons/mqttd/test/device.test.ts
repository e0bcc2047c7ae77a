import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { digestRequest, httpRequest as raw, startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as httpd } from '@belfry/httpd';
import { startBroker } from './broker.js';
import { mqttd, subscriber, until } from './helpers.js';

const digest = (port: number, path: string, user: string, pw: string, body: string) => digestRequest(port, 'POST', path, user, pw, { body, headers: { 'Content-Type': 'application/json' } });

const body = (method: string, params?: unknown) => JSON.stringify({ apiVersion: '1.0', context: 'Axis library', method, ...(params ? { params } : {}) });

/** The wiring, once, through the real front door: the routes forwarded to mqttd, admin only, listed by apidiscovery; the password in no log. */
t.test('mqttd on a device: client.cgi and event.cgi behind httpd, apidiscovery, no secret in a log or file listing', async (t) => {
  const broker = await startBroker({ users: { dev: 'Br0ker-secret' } });
  t.teardown(() => broker.stop());
  const dev = await startDevice({ daemons: [paramd, boardd, httpd, mqttd] });
  t.teardown(() => dev.stop());
  const port = dev.httpPort;
  const serial = dev.running.mqttd!.ctx.board.identity.serialNumber;
  t.match((await raw(port, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz')).body, /Created account root/);
  const adminUser = 'root';
  const view = await digest(port, '/axis-cgi/pwdgrp.cgi?action=add&user=view&pwd=view1&grp=users&sgrp=viewer', adminUser, 'pass1', '');
  t.equal(view.status, 200);

  const list = JSON.parse((await digest(port, '/axis-cgi/apidiscovery.cgi', 'view', 'view1', body('getApiList'))).body) as { data: { apiList: { id: string }[] } };
  t.ok(list.data.apiList.some((a) => a.id === 'mqtt-client'), 'mqtt-client listed');
  t.ok(list.data.apiList.some((a) => a.id === 'mqtt-event'), 'mqtt-event listed');

  t.equal((await digest(port, '/axis-cgi/mqtt/client.cgi', 'view', 'view1', body('getClientStatus'))).status, 403, 'a viewer is refused');
  const watch = await subscriber(broker.ports.tcp, `axis/${serial}/#`, { username: 'dev', password: 'Br0ker-secret' });
  t.teardown(() => watch.close());
  const cfg = { server: { host: '127.0.0.1', protocol: 'tcp', port: broker.ports.tcp }, username: 'dev', password: 'Br0ker-secret', clientId: 'belfry-wiring' };
  t.same(JSON.parse((await digest(port, '/axis-cgi/mqtt/client.cgi', adminUser, 'pass1', body('configureClient', cfg))).body).data, {});
  t.same(JSON.parse((await digest(port, '/axis-cgi/mqtt/client.cgi', adminUser, 'pass1', body('activateClient'))).body).data, {});
  await until('connect message', () => watch.got.some((m) => m.topic === `axis/${serial}/connection`));
  const st = await digest(port, '/axis-cgi/mqtt/client.cgi', adminUser, 'pass1', body('getClientStatus'));
  const s = JSON.parse(st.body) as { data: { status: { state: string; connectionStatus: string }; config: { server: { host: string; protocol: string } } } };
  t.same([s.data.status.state, s.data.status.connectionStatus, s.data.config.server.host, s.data.config.server.protocol], ['active', 'connected', '127.0.0.1', 'tcp'], 'what K60 reads');
  t.notOk(st.body.includes('Br0ker-secret'));
  const ev = JSON.parse((await digest(port, '/axis-cgi/mqtt/event.cgi', adminUser, 'pass1', body('getEventPublicationConfig'))).body) as { data: { eventPublicationConfig: object } };
  t.equal(Object.keys(ev.data.eventPublicationConfig).length, 6);

  // param.cgi shows the queue size and the status, never a password
  const params = await digest(port, '/axis-cgi/param.cgi?action=list&group=MQTT', adminUser, 'pass1', '');
  t.match(params.body, /root\.MQTT\.Publication\.QueueSize=1000/);
  await until('status param', async () => /root\.MQTT\.Client\.Status=connected/.test((await digest(port, '/axis-cgi/param.cgi?action=list&group=MQTT', adminUser, 'pass1', '')).body));
  // the password is in no log or audit line
  const logDir = dev.paths.log;
  for (const f of readdirSync(logDir)) t.notOk(readFileSync(join(logDir, f), 'utf8').includes('Br0ker-secret'), `not in ${f}`);
});
