import t from 'tap';
import { digestRequest, httpRequest as raw, startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as firewalld } from '../src/main.js';

/** One request with HTTP Digest and a `{"data": …}` JSON body, as a VMS sends it. */
const digest = (port: number, method: string, path: string, user: string, pw: string, data?: unknown) =>
  digestRequest(port, method, path, user, pw, data === undefined ? {} : { body: JSON.stringify({ data }), headers: { 'Content-Type': 'application/json' } });

const FW = '/config/rest/firewall/v1';

/** The wiring, once, through the real front door (the rules and nft are tested in process and in namespaces). */
t.test('firewalld on a device: discovered, admin only, a test through HTTP Digest, the legacy params vetoed by it', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, httpd, firewalld] });
  t.teardown(() => dev.stop());
  const port = dev.httpPort;
  t.match((await raw(port, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz')).body, /Created account root/);
  t.equal((await digest(port, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=view&pwd=view1&grp=users&sgrp=viewer', 'root', 'pass1')).status, 200);
  const admin = (method: string, path: string, data?: unknown) => digest(port, method, path, 'root', 'pass1', data);

  const apis = JSON.parse((await digest(port, 'GET', '/config/discover/apis/firewall', 'view', 'view1')).body) as Record<string, Record<string, Record<string, string>>>;
  t.match(apis.firewall?.v1, { rest_api: FW, state: 'released', version: '1.1.2' }, '/config/discover lists firewall v1');
  t.equal((await digest(port, 'GET', `${FW}/activated`, 'view', 'view1')).status, 403, 'a viewer is refused');

  t.same(JSON.parse((await admin('PATCH', `${FW}/activated`, true)).body), { status: 'success' });
  t.same(JSON.parse((await admin('POST', `${FW}/conf/setRules`, { rules: [{ ruleType: 'FILTER', ip: '192.168.0.0/16', tcpPort: 80, filter: { policy: 'ACCEPT' } }], defaultPolicy: 'DROP', fallbackTime: 30 })).body), { status: 'success' });
  const rules = JSON.parse((await admin('GET', `${FW}/conf/rules`)).body) as { data: { testTimeLeft: number; pendingDefaultPolicy: string } };
  t.ok(rules.data.testTimeLeft > 0 && rules.data.pendingDefaultPolicy === 'DROP', 'under test');
  const bad = await admin('POST', `${FW}/conf/setRules`, { rules: [{ ruleType: 'FILTER', ip: '10.0.0.0/99', filter: { policy: 'DROP' } }], defaultPolicy: 'DROP', fallbackTime: 0 });
  t.same([bad.status, (JSON.parse(bad.body) as { error: { code: number } }).error.code], [400, 100], 'an invalid CIDR: 400, code 100, through the front door');
  t.same(JSON.parse((await admin('POST', `${FW}/conf/clearPendingRules`, {})).body), { status: 'success' });

  const refused = await admin('GET', '/axis-cgi/param.cgi?action=update&Network.Filter.Enabled=yes');
  t.match(refused.body, /^# Error/, 'an allow filter with no addresses: refused by firewalld before paramd stores it');
  t.match((await admin('GET', '/axis-cgi/param.cgi?action=update&Network.Filter.Input.AcceptAddresses=192.168.0.10%20192.168.0.11&Network.Filter.Enabled=yes')).body, /^OK/, 'NR’s legacy filter');
  t.match((await admin('GET', '/axis-cgi/param.cgi?action=list&group=Network.Filter')).body, /root\.Network\.Filter\.Enabled=yes/);
});
