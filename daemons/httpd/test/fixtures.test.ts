import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { RpcCaller } from '@belfry/core';
import { FIRMWARE } from '@belfry/param-db';
import { startDevice, type Device, type Res } from './device.js';
import { addAccount, ADMIN, ajr } from './cgi-helpers.js';

/**
 * Byte-exact fixtures from the VAPIX reference (§1.4–1.7, §2.1–2.6, §2.14, §8): what K60/K74,
 * FF and RS parse. Values come from this device's board identity and firmware.
 */

const VIEWER = { user: 'vera', pw: 'viewer-pw' };
const OPERATOR = { user: 'otto', pw: 'operator-pw' };

const admin = (d: Device, method: string, url: string, opts: { body?: string; headers?: Record<string, string> } = {}) => d.digest(method, url, ADMIN.user, ADMIN.pw, opts);
const param = (d: Device, query: string) => admin(d, 'GET', `/axis-cgi/param.cgi?${query}`);

function plain(t: Test, r: Res, body: string, msg: string): void {
  t.equal(r.status, 200, `${msg}: HTTP 200`);
  t.equal(r.headers['content-type'], 'text/plain', `${msg}: Content-Type exactly text/plain`);
  t.equal(r.body, body, msg);
}

/** K60 `params_to_dict`: a name must never be both a leaf and a group; FF's line regex must match. */
function parsesLikeClients(t: Test, body: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = body.split('\n');
  t.equal(lines.pop(), '', 'ends with a newline');
  for (const l of lines) {
    t.match(l, /^root\.[A-Za-z0-9_.]+=/, `line ${l}`);
    const m = /(?:root\.)?(\S*)\s*=\s*(.*)\s*$/.exec(l);
    if (!m) continue;
    out[m[1]!] = l.slice(l.indexOf('=') + 1);
  }
  const names = Object.keys(out);
  // every proper prefix of every name is a group
  const groups = new Set(names.flatMap((n) => n.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  for (const n of names) if (groups.has(n)) t.fail(`${n} is both a parameter and a group`);
  return out;
}

t.test('param.cgi', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const id = d.tb.board.identity;
  const brand = [
    `root.Brand.Brand=${id.brand}`,
    `root.Brand.ProdFullName=${id.prodFullName}`,
    `root.Brand.ProdNbr=${id.prodNbr}`,
    `root.Brand.ProdShortName=${id.prodShortName}`,
    `root.Brand.ProdType=${id.prodType}`,
    `root.Brand.ProdVariant=${id.prodVariant}`,
    `root.Brand.WebURL=${id.webURL}`,
  ].join('\n') + '\n';

  t.test('list root.Brand (§2.3), anonymously, with or without root.', async (t) => {
    t.equal(id.brand, 'Belfry');
    t.equal(id.prodVariant, '', 'ProdVariant= is an empty value');
    plain(t, await d.req('GET', '/axis-cgi/param.cgi?action=list&group=root.Brand'), brand, 'group=root.Brand');
    plain(t, await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand'), brand, 'group=Brand');
    plain(t, await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand&responseformat=rfc'), brand, 'responseformat=rfc is accepted');
    plain(t, await d.req('GET', '/axis-cgi/param.cgi?action=list&group=root.Brand.ProdNbr,Brand.Brand'), `root.Brand.ProdNbr=${id.prodNbr}\nroot.Brand.Brand=${id.brand}\n`, 'a comma list: groups in the order asked');
  });

  t.test('K60 style: POST with Content-Type text/plain; GET query and POST body merge (§1.5)', async (t) => {
    const k60 = await d.req('POST', '/axis-cgi/param.cgi', { body: 'action=list&group=root.Brand', headers: { 'Content-Type': 'text/plain' } });
    plain(t, k60, brand, 'body-only POST labelled text/plain');
    const merged = await d.req('POST', '/axis-cgi/param.cgi?action=list', { body: 'group=root.Brand', headers: { 'Content-Type': 'text/plain' } });
    plain(t, merged, brand, 'action in the query, group in the body');
    const form = await d.req('POST', '/axis-cgi/param.cgi', { body: 'action=list&group=Brand.ProdNbr', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    plain(t, form, `root.Brand.ProdNbr=${id.prodNbr}\n`, 'urlencoded POST');
    const none = await d.req('POST', '/axis-cgi/param.cgi', { body: 'action=list&group=Brand.ProdNbr' });
    plain(t, none, `root.Brand.ProdNbr=${id.prodNbr}\n`, 'POST without Content-Type');
    // "regardless of the Content-Type", even labels that are no media type at all
    for (const ct of ['foo', '', 'text/plain,text/html', 'text/plain; charset=UTF-8', 'application/octet-stream', 'multipart/form-data', 'application/json']) {
      const r = await d.req('POST', '/axis-cgi/param.cgi', { body: 'action=list&group=Brand.ProdNbr', headers: { 'Content-Type': ct } });
      plain(t, r, `root.Brand.ProdNbr=${id.prodNbr}\n`, `POST labelled ${JSON.stringify(ct)}`);
    }
    const upd = await d.digest('POST', '/axis-cgi/param.cgi?action=update', ADMIN.user, ADMIN.pw, { body: 'root.Audio.MaxListeners=7', headers: { 'Content-Type': 'text/plain' } });
    plain(t, upd, 'OK\n', 'update with the value in a text/plain body');
    plain(t, await param(d, 'action=list&group=Audio.MaxListeners'), 'root.Audio.MaxListeners=7\n', 'the value arrived');
  });

  t.test('root.Properties has every key K60 needs and nothing that makes it call camera APIs', async (t) => {
    const r = await d.req('POST', '/axis-cgi/param.cgi', { body: 'action=list&group=root.Properties', headers: { 'Content-Type': 'text/plain' } });
    t.equal(r.status, 200);
    t.equal(r.headers['content-type'], 'text/plain');
    const p = parsesLikeClients(t, r.body);
    for (const k of ['API.HTTP.Version', 'API.Metadata.Metadata', 'API.Metadata.Version', 'Firmware.BuildDate', 'Firmware.BuildNumber', 'Firmware.Version', 'System.SerialNumber']) {
      t.ok(Object.hasOwn(p, `Properties.${k}`), `Properties.${k} present`);
    }
    t.equal(p['Properties.API.HTTP.Version'], '3');
    t.equal(p['Properties.Firmware.Version'], FIRMWARE.version);
    t.equal(p['Properties.Firmware.BuildDate'], FIRMWARE.buildDate);
    t.equal(p['Properties.Firmware.BuildNumber'], FIRMWARE.buildNumber);
    t.equal(p['Properties.System.SerialNumber'], id.serialNumber);
    t.match(id.serialNumber, /^(?=.*[A-F])[0-9A-F]{12}$/, 'serial: 12 hex digits with a letter (gotcha 16)');
    for (const k of Object.keys(p)) {
      t.notOk(/^Properties\.(LightControl|PTZ|Image)\./.test(k), `${k} is not a camera property (gotcha 17)`);
    }
    // gotcha 20: EmbeddedDevelopment.Version >= 1.20 only when applications/list.cgi works
    const list = await admin(d, 'GET', '/axis-cgi/applications/list.cgi');
    if (list.status === 404) t.ok(!(Number(p['Properties.EmbeddedDevelopment.Version'] ?? '0') >= 1.2), 'no EmbeddedDevelopment.Version >= 1.20 without list.cgi');
  });

  t.test('the whole tree parses like K60 and FF do', async (t) => {
    const r = await param(d, 'action=list');
    t.equal(r.status, 200);
    const p = parsesLikeClients(t, r.body);
    t.ok(Object.keys(p).length > 50, `${Object.keys(p).length} params`);
    // K521 and ACS needs (§2.3)
    for (const k of ['Audio.DuplexMode', 'Audio.MaxListeners', 'Audio.ReceiverBuffer', 'Audio.ReceiverTimeout', 'Audio.NbrOfConfigs', 'Audio.DSCP', 'Network.Interface.I0.dot1x.Enabled']) t.ok(Object.hasOwn(p, k), `${k} present`);
    const ioport = await param(d, 'action=list&group=root.IOPort');
    t.equal(ioport.status, 200, 'without I/O ports: an IOPort group answered with 200 (gotcha 19)');
    t.notMatch(ioport.body, /# Error/, 'IOPort without ports is empty, not an error');
  });

  t.test('errors are HTTP 200 with a # Error: line (§2.3, gotcha 11)', async (t) => {
    plain(t, await param(d, 'action=list&group=Nonexistent'), "# Error: Error -1 getting param in group 'Nonexistent'\n", 'unknown group');
    // names with `root.` are reported as sent (a Belfry choice, see cgi/param.ts)
    plain(t, await d.req('GET', '/axis-cgi/param.cgi?action=list&group=root.Nonexistent'), "# Error: Error -1 getting param in group 'root.Nonexistent'\n", 'unknown group, anonymously, with root.');
    plain(t, await param(d, 'action=list&group=Brand,Nonexistent'), "# Error: Error -1 getting param in group 'Nonexistent'\n", 'the unknown one of two groups');
    plain(t, await param(d, 'action=update&Audio.MaxListeners=abc'), "# Error: Error setting 'Audio.MaxListeners' to 'abc'!\n", 'bad value');
    plain(t, await param(d, 'action=update&root.Audio.MaxListeners=abc'), "# Error: Error setting 'root.Audio.MaxListeners' to 'abc'!\n", 'bad value, name with root.');
    plain(t, await param(d, 'action=update&root.No.Such=1'), "# Error: Error setting 'root.No.Such' to '1'!\n", 'unknown name with root.');
    // all-or-nothing: the first failing name is reported and nothing changes
    plain(t, await param(d, 'action=update&Audio.MaxListeners=5&Audio.ReceiverBuffer=zzz'), "# Error: Error setting 'Audio.ReceiverBuffer' to 'zzz'!\n", 'second of two fails');
    plain(t, await param(d, 'action=list&group=Audio.MaxListeners'), 'root.Audio.MaxListeners=7\n', 'the batch changed nothing');
    plain(t, await param(d, 'action=update&Brand.Brand=Other'), "# Error: Error setting 'Brand.Brand' to 'Other'!\n", 'a constant');
    plain(t, await param(d, 'action=update&No.Such=1'), "# Error: Error setting 'No.Such' to '1'!\n", 'an unknown name');
    const tooMany = await d.digest('POST', '/axis-cgi/param.cgi', ADMIN.user, ADMIN.pw, { body: 'action=update&' + Array.from({ length: 1001 }, (_, i) => `Audio.MaxListeners${i}=1`).join('&') });
    plain(t, tooMany, "# Error: Error setting 'Audio.MaxListeners0' to '1'!\n", 'a batch refused as a whole (too many changes) names its first param');
    // FF's regex finds the name and value
    const m = /# Error: Error setting '(.*)' to '(.*)'!/.exec((await param(d, 'action=update&Audio.MaxListeners=abc')).body);
    t.same(m?.slice(1), ['Audio.MaxListeners', 'abc']);
  });

  t.test('update, with and without root.', async (t) => {
    plain(t, await param(d, 'action=update&Audio.MaxListeners=10'), 'OK\n', 'update');
    plain(t, await param(d, 'action=list&group=root.Audio.MaxListeners'), 'root.Audio.MaxListeners=10\n', 'stored');
    plain(t, await param(d, 'action=update&root.Audio.MaxListeners=12'), 'OK\n', 'update with root.');
    plain(t, await param(d, 'action=list&group=Audio.MaxListeners'), 'root.Audio.MaxListeners=12\n', 'stored');
    const v = await d.params.get({ names: ['Audio.MaxListeners'] });
    t.equal(v.params['Audio.MaxListeners'], '12', 'paramd has it');
  });

  t.test('wildcards', async (t) => {
    plain(t, await param(d, 'action=list&group=Audio.*.Name'), 'root.Audio.A0.Name=Audio\n', 'Audio.*.Name');
    plain(t, await param(d, 'action=list&group=root.AudioSource.*.SampleRate'), 'root.AudioSource.A0.SampleRate=8000\n', 'root.AudioSource.*.SampleRate');
  });

  t.test('MediaClip add and remove (§2.3)', async (t) => {
    // the device's default clips are M0–M2; removing them through param.cgi removes their audio too
    const defaults = (await param(d, 'action=list&group=MediaClip')).body.match(/^root\.MediaClip\.M\d+(?=\.Name=)/gm) ?? [];
    t.same(defaults, ['root.MediaClip.M0', 'root.MediaClip.M1', 'root.MediaClip.M2'], 'the default clips');
    for (const g of defaults) plain(t, await param(d, `action=remove&group=${g}`), 'OK\n', `remove ${g}`);
    plain(t, await param(d, 'action=add&group=MediaClip&template=mediaclip'), 'M0 OK\n', 'add');
    plain(t, await param(d, 'action=add&group=MediaClip&template=mediaclip&MediaClip.M.Name=x'), 'M1 OK\n', 'second add');
    const list = await param(d, 'action=list&group=MediaClip');
    t.equal(list.status, 200);
    t.match(list.body, /^root\.MediaClip\.M0\.Location=\/etc\/audioclips\/MediaClip\.M0\.au$/m);
    t.match(list.body, /^root\.MediaClip\.M0\.Name=Clip MediaClip\.M0$/m);
    t.match(list.body, /^root\.MediaClip\.M0\.Type=audio$/m);
    plain(t, await param(d, 'action=update&MediaClip.M0.Name=Doorbell'), 'OK\n', 'Name is writable');
    plain(t, await param(d, 'action=update&MediaClip.M0.Location=/etc/passwd'), "# Error: Error setting 'MediaClip.M0.Location' to '/etc/passwd'!\n", 'Location is not');
    plain(t, await param(d, 'action=remove&group=MediaClip.M0'), 'OK\n', 'remove');
    plain(t, await param(d, 'action=remove&group=root.MediaClip.M1'), 'OK\n', 'remove with root.');
    const after = await param(d, 'action=list&group=MediaClip');
    t.notMatch(after.body, /MediaClip\.M\d/, 'both gone');
    t.match((await param(d, 'action=remove&group=MediaClip.M7')).body, /^# Error: /, 'removing a missing entry is an error line');
  });

  t.test('listdefinitions (§2.3)', async (t) => {
    const r = await param(d, 'action=listdefinitions&listformat=xmlschema&group=Properties.API.HTTP');
    t.equal(r.status, 200);
    t.equal(r.headers['content-type'], 'text/xml');
    t.ok(r.body.startsWith('<?xml version="1.0" encoding="iso-8859-1" ?>\n<parameterDefinitions xmlns="http://www.axis.com/ParameterDefinitionsSchema" '), 'declaration and root element');
    t.match(r.body, ` <model>${id.prodNbr}</model><firmwareVersion>${FIRMWARE.version}</firmwareVersion>\n`);
    t.match(r.body, '<group name="Properties"><group name="API"><group name="HTTP">');
    t.match(r.body, /<parameter name="Version" value="3" securityLevel="7707"[^>]*><type readonly="true" const="true"><int\/><\/type><\/parameter>/);
    t.ok(r.body.endsWith('</parameterDefinitions>\n'));
    // well-formed XML (python's parser), for every definition a client may ask for
    const all = await param(d, 'action=listdefinitions&listformat=xmlschema');
    t.equal(all.status, 200);
    const count = execFileSync('python3', ['-c', 'import sys,xml.dom.minidom as m; d=m.parseString(sys.stdin.buffer.read()); print(len(d.getElementsByTagName("parameter")))'], { input: all.raw }).toString().trim();
    t.ok(Number(count) > 50, `the full definitions parse: ${count} parameters`);
    const anon = await d.req('GET', '/axis-cgi/param.cgi?action=listdefinitions&listformat=xmlschema&group=Properties.API.HTTP');
    t.equal(anon.status, 401, 'definitions need credentials');
  });
});

t.test('pwdgrp.cgi and usergroup.cgi (§2.4, §2.5, gotchas 14 and 15)', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const page = (text: string) => `<html><head><title>User accounts</title></head><body bgcolor=#ffffff>${text}</body></html>\n`;
  const html = (r: Res, text: string, msg: string) => {
    t.equal(r.status, 200, `${msg}: 200`);
    t.equal(r.headers['content-type'], 'text/html', `${msg}: text/html`);
    t.equal(r.body, page(text), msg);
  };
  // FF-style GET
  html(await admin(d, 'GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${VIEWER.user}&pwd=${VIEWER.pw}&grp=users&sgrp=viewer&comment=Front+desk`), `Created account ${VIEWER.user}.`, 'add (GET)');
  // K60-style POST, text/plain
  html(
    await admin(d, 'POST', '/axis-cgi/pwdgrp.cgi', { body: `action=add&user=${OPERATOR.user}&pwd=${OPERATOR.pw}&grp=users&sgrp=viewer:operator`, headers: { 'Content-Type': 'text/plain' } }),
    `Created account ${OPERATOR.user}.`,
    'add (POST text/plain)',
  );
  t.match(page(`Created account ${OPERATOR.user}.`), /Created account .*\./, "FF's regex");
  html(await admin(d, 'GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${VIEWER.user}&pwd=other&grp=users&sgrp=viewer`), 'Error: this user name already exists, consult the system log file', 'duplicate add');
  html(await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=bad%20name&pwd=x&grp=users&sgrp=viewer'), 'Error: consult the system log file.', 'invalid name');
  html(await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=add&user=zed&pwd=x&grp=users&sgrp=superuser'), 'Error: consult the system log file.', 'invalid sgrp');

  const get = await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=get');
  plain(t, get, `admin="root"\noperator="root,otto"\nviewer="root,vera,otto"\nptz="root"\ndigusers="root,vera,otto"\n`, 'get');
  for (const line of get.body.trim().split('\n')) t.match(line, /^\s*(\S*)\s*=\s*"(\S*)"\s*$/, `FF matches ${line}`);

  // root gives up PTZ: an empty group is written ptz="", never ptz=
  html(await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=update&user=root&sgrp=viewer:operator:admin'), 'Modified account root.', 'update');
  html(await admin(d, 'GET', `/axis-cgi/pwdgrp.cgi?action=update&user=${VIEWER.user}&pwd=${VIEWER.pw}2`), `Modified account ${VIEWER.user}.`, 'update password');
  VIEWER.pw += '2';
  t.equal((await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=get')).body.split('\n')[3], 'ptz=""', 'empty ptz quoted');
  html(await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=update&user=nobody&pwd=x'), 'Error: consult the system log file.', 'update of a missing account');

  plain(t, await d.digest('GET', '/axis-cgi/usergroup.cgi', VIEWER.user, VIEWER.pw), `${VIEWER.user}\nusers viewer\n`, 'usergroup as viewer (new password)');
  plain(t, await d.digest('POST', '/axis-cgi/usergroup.cgi', OPERATOR.user, OPERATOR.pw, { body: '', headers: { 'Content-Type': 'text/plain' } }), `${OPERATOR.user}\nusers operator viewer\n`, 'usergroup as operator (POST)');
  plain(t, await admin(d, 'GET', '/axis-cgi/usergroup.cgi'), 'root\nusers admin operator viewer\n', 'usergroup as admin');
  t.equal((await d.digest('GET', '/axis-cgi/pwdgrp.cgi?action=get', VIEWER.user, VIEWER.pw)).status, 403, 'a viewer may not read accounts');

  html(await admin(d, 'GET', `/axis-cgi/pwdgrp.cgi?action=remove&user=${VIEWER.user}`), `Removed account ${VIEWER.user}.`, 'remove');
  html(await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=remove&user=root'), 'Error: consult the system log file.', 'the last admin stays');
  plain(t, await admin(d, 'GET', '/axis-cgi/pwdgrp.cgi?action=get'), `admin="root"\noperator="root,otto"\nviewer="root,otto"\nptz=""\ndigusers="root,otto"\n`, 'get after remove');
});

t.test('AJR CGIs (§1.4, §2.1, §2.2, §2.6)', async (t) => {
  const d = await startDevice(t);
  const sr0 = await ajr(d, '/axis-cgi/systemready.cgi', { apiVersion: '1', method: 'systemready', params: { timeout: 10 } }, null);
  t.same(Object.keys(sr0.json), ['apiVersion', 'context', 'method', 'data'], 'systemready envelope');
  t.match(sr0.json, { apiVersion: '1.4', context: '', method: 'systemready', data: { systemready: 'yes', needsetup: 'yes' } }, 'setup state, anonymously');
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, VIEWER.user, VIEWER.pw, 'viewer');
  await addAccount(d, OPERATOR.user, OPERATOR.pw, 'viewer:operator');
  const id = d.tb.board.identity;

  t.test('systemready (§2.6)', async (t) => {
    const r = await ajr(d, '/axis-cgi/systemready.cgi', { apiVersion: '1', method: 'systemready', params: { timeout: 10 } }, null);
    t.equal(r.status, 200);
    t.match(r.res.headers['content-type'], /^application\/json/);
    const data = r.json.data as Record<string, unknown>;
    t.equal(r.json.apiVersion, '1.4', 'answers 1.4 to "1"');
    t.equal(data.systemready, 'yes');
    t.equal(data.needsetup, 'no', 'an admin exists');
    t.match(data.uptime, /^\d+$/, 'uptime is a string of digits');
    t.type(data.bootid, 'string');
    t.ok((data.bootid as string).length > 0);
    for (const v of Object.values(data)) t.type(v, 'string', 'every value is a string');
    const bad = await ajr(d, '/axis-cgi/systemready.cgi', { apiVersion: '2.0', context: 'c', method: 'systemready' }, null);
    t.same(bad.json, { apiVersion: '2.0', context: 'c', method: 'systemready', error: { code: 2100, message: 'API version not supported' } });
    const neg = await ajr(d, '/axis-cgi/systemready.cgi', { apiVersion: '1.0', method: 'systemready', params: { timeout: -1 } }, null);
    t.same(neg.json, { apiVersion: '1.0', context: '', method: 'systemready', error: { code: 2104, message: 'Invalid parameter value specified' } });
    // every method is public: a bad body gets its AJR error, never a Digest challenge
    const anonJson = await ajr(d, '/axis-cgi/systemready.cgi', '{"apiVersion":', null);
    t.equal(anonJson.status, 200, 'invalid JSON anonymously: no challenge');
    t.same(anonJson.json, { apiVersion: '1.0', context: '', method: '', error: { code: 2101, message: 'Invalid JSON' } }, 'but the JSON-RPC error');
    t.equal(anonJson.res.headers['www-authenticate'], undefined);
    const empty = await d.req('POST', '/axis-cgi/systemready.cgi');
    t.same(JSON.parse(empty.body), { apiVersion: '1.0', context: '', method: '', error: { code: 2101, message: 'Invalid JSON' } }, 'an empty body too');
    const unknown = await ajr(d, '/axis-cgi/systemready.cgi', { apiVersion: '1.0', method: 'reboot' }, null);
    t.same(unknown.json, { apiVersion: '1.0', context: '', method: 'reboot', error: { code: 2102, message: 'Method not supported' } }, 'an unknown method');
    const json = await ajr(d, '/axis-cgi/systemready.cgi', '{"apiVersion":');
    t.same(json.json, { apiVersion: '1.0', context: '', method: '', error: { code: 2101, message: 'Invalid JSON' } }, 'invalid JSON (current codes)');
    const get = await d.req('GET', '/axis-cgi/systemready.cgi');
    t.equal(get.status, 405, 'GET on an API without a 2002 code: 405 (§1.7)');
    t.equal(get.headers.allow, 'POST');
  });

  t.test('apidiscovery (§2.1, gotcha 17)', async (t) => {
    const r = await ajr(d, '/axis-cgi/apidiscovery.cgi', { apiVersion: '1.0', context: 'Axis library', method: 'getApiList' }, VIEWER);
    t.equal(r.status, 200);
    t.same(Object.keys(r.json), ['apiVersion', 'context', 'method', 'data']);
    t.match(r.json, { apiVersion: '1.0', context: 'Axis library', method: 'getApiList' });
    const list = (r.json.data as { apiList: { id: string; version: string; name: string; docLink?: string; status?: string }[] }).apiList;
    // where each listed id is implemented; an id without an entry here is a failure (lists only
    // what answers)
    const WHERE: Record<string, { path: string; body?: unknown }> = {
      'api-discovery': { path: '/axis-cgi/apidiscovery.cgi', body: { apiVersion: '1.0', method: 'getSupportedVersions' } },
      'basic-device-info': { path: '/axis-cgi/basicdeviceinfo.cgi', body: { apiVersion: '1.1', method: 'getAllProperties' } },
      'param-cgi': { path: '/axis-cgi/param.cgi?action=list&group=Brand' },
      'user-management': { path: '/axis-cgi/pwdgrp.cgi?action=get' },
      systemready: { path: '/axis-cgi/systemready.cgi', body: { apiVersion: '1', method: 'systemready' } },
      'time-service': { path: '/axis-cgi/time.cgi', body: { apiVersion: '1.0', method: 'getDateTimeInfo' } },
      'mqtt-client': { path: '/axis-cgi/mqtt/client.cgi', body: { apiVersion: '1.0', method: 'getClientStatus' } },
      'mqtt-event': { path: '/axis-cgi/mqtt/event.cgi', body: { apiVersion: '1.0', method: 'getEventPublicationConfig' } },
      'event-streaming-over-websocket': { path: '/axis-cgi/wssession.cgi' },
      'audio-device-control': { path: '/axis-cgi/audiodevicecontrol.cgi', body: { apiVersion: '1.0', method: 'getDevicesCapabilities' } },
      mediaclip: { path: '/axis-cgi/mediaclip.cgi?action=stop' },
      'io-port-management': { path: '/axis-cgi/io/portmanagement.cgi', body: { apiVersion: '1.0', method: 'getPorts' } },
    };
    t.ok(list.length >= 4, `${list.length} APIs listed`);
    for (const a of list) {
      t.type(a.id, 'string');
      t.type(a.name, 'string');
      t.match(a.version, /^\d+\.\d+$/, `${a.id} has a version`);
      if (a.status !== undefined) t.match(a.status, /^(official|released|beta|alpha|deprecated)$/);
      t.notOk(['stream-profiles', 'view-area', 'light-control', 'pir-sensor-configuration', 'temperaturecontrol', 'siren-and-light'].includes(a.id), `${a.id} is no camera/siren API`);
      const w = WHERE[a.id];
      t.ok(w, `${a.id} is an id this test knows how to check`);
      if (!w) continue;
      const res = w.body ? (await ajr(d, w.path, w.body)).res : await admin(d, 'GET', w.path);
      t.equal(res.status, 200, `${a.id} is implemented (${w.path})`);
      if (w.body) t.notOk((JSON.parse(res.body) as { error?: unknown }).error, `${a.id} answers without an error`);
    }
    t.ok(list.some((a) => a.id === 'basic-device-info'));
    const v = await d.digest('POST', '/axis-cgi/apidiscovery.cgi', VIEWER.user, VIEWER.pw, { body: '{"context":"Axis library","method":"getSupportedVersions"}', headers: { 'Content-Type': 'application/json' } });
    t.equal(v.body, '{"apiVersion":"1.0","context":"Axis library","method":"getSupportedVersions","data":{"apiVersions":["1.0"]}}', 'getSupportedVersions without apiVersion');
    const anon = await d.req('POST', '/axis-cgi/apidiscovery.cgi', { body: '{"apiVersion":"1.0","method":"getApiList"}' });
    t.equal(anon.status, 401, 'anonymous: challenged');
  });

  t.test('basicdeviceinfo (§2.2, gotcha 13)', async (t) => {
    const full = {
      Architecture: id.architecture,
      Brand: id.brand,
      BuildDate: FIRMWARE.buildDate,
      HardwareID: id.hardwareId,
      ProdFullName: id.prodFullName,
      ProdNbr: id.prodNbr,
      ProdShortName: id.prodShortName,
      ProdType: id.prodType,
      ProdVariant: id.prodVariant,
      SerialNumber: id.serialNumber,
      Soc: id.soc,
      SocSerialNumber: '',
      Version: FIRMWARE.version,
      WebURL: id.webURL,
    };
    const all = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', { apiVersion: '1.1', context: 'Axis library', method: 'getAllProperties' }, OPERATOR);
    t.equal(all.status, 200);
    const props = (all.json.data as { propertyList: Record<string, string> }).propertyList;
    t.equal(Object.keys(props).length, 14, 'exactly 14 keys');
    t.same(props, full);
    for (const v of Object.values(props)) t.type(v, 'string');
    t.same(all.json.apiVersion, '1.1');
    t.same(all.json.context, 'Axis library');

    const un = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', { apiVersion: '1.3', method: 'getAllUnrestrictedProperties' }, null);
    t.equal(un.status, 200, 'anonymous');
    const unProps = (un.json.data as { propertyList: Record<string, string> }).propertyList;
    const { Architecture: _a, Soc: _s, SocSerialNumber: _n, ...rest } = full;
    t.same(unProps, rest, 'all but Architecture, Soc, SocSerialNumber');
    t.same(Object.keys(un.json), ['apiVersion', 'context', 'method', 'data']);
    t.equal(un.json.context, '', 'absent context echoed as ""');

    const some = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', { apiVersion: '1.1', context: 'x', method: 'getProperties', params: { propertyList: ['ProdNbr', 'SerialNumber'] } });
    t.same(some.json, { apiVersion: '1.1', context: 'x', method: 'getProperties', data: { propertyList: { ProdNbr: id.prodNbr, SerialNumber: id.serialNumber } } });
    const unknown = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', { apiVersion: '1.1', context: 'x', method: 'getProperties', params: { propertyList: ['ProdNbr', 'Nope'] } });
    t.same(unknown.json, { apiVersion: '1.1', context: 'x', method: 'getProperties', error: { code: 1000, message: 'Invalid parameter value specified' } }, 'unknown property: 1000');
    t.equal(unknown.status, 200);

    const viewer = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', { apiVersion: '1.1', method: 'getAllProperties' }, VIEWER);
    t.equal(viewer.status, 403, 'getAllProperties needs an operator');
    const anonAll = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', { apiVersion: '1.1', method: 'getAllProperties' }, null);
    t.equal(anonAll.status, 401, 'anonymous getAllProperties is challenged');
    const versions = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', { method: 'getSupportedVersions' }, null);
    t.match(versions.json, { apiVersion: '1.0', context: '', method: 'getSupportedVersions', data: { apiVersions: ['1.0', '1.1', '1.2', '1.3'] } });
  });

  t.test('AJR errors echo apiVersion, context and method with HTTP 200 (gotchas 8, 9)', async (t) => {
    const cases: [string, unknown, unknown][] = [
      ['invalid JSON', '{"apiVersion":"1.1","context":"Axis library","method":', { apiVersion: '1.0', context: '', method: '', error: { code: 4000, message: 'Invalid JSON' } }],
      ['a JSON array', '[1,2]', { apiVersion: '1.0', context: '', method: '', error: { code: 4000, message: 'Invalid JSON' } }],
      ['unknown method', { apiVersion: '1.1', context: 'Axis library', method: 'selfDestruct' }, { apiVersion: '1.1', context: 'Axis library', method: 'selfDestruct', error: { code: 2004, message: 'Method not supported' } }],
      ['bad version', { apiVersion: '2.0', context: 'Axis library', method: 'getAllProperties' }, { apiVersion: '2.0', context: 'Axis library', method: 'getAllProperties', error: { code: 2003, message: 'Requested API version is not supported' } }],
      ['minor too high', { apiVersion: '1.9', context: 'c', method: 'getAllProperties' }, { apiVersion: '1.9', context: 'c', method: 'getAllProperties', error: { code: 2003, message: 'Requested API version is not supported' } }],
      ['no context', { apiVersion: '1.1', method: 'nope' }, { apiVersion: '1.1', context: '', method: 'nope', error: { code: 2004, message: 'Method not supported' } }],
      ['params not an object', { apiVersion: '1.1', context: 'c', method: 'getProperties', params: [1] }, { apiVersion: '1.1', context: 'c', method: 'getProperties', error: { code: 4002, message: 'Required parameter missing or invalid' } }],
      ['propertyList missing', { apiVersion: '1.1', context: 'c', method: 'getProperties', params: {} }, { apiVersion: '1.1', context: 'c', method: 'getProperties', error: { code: 4002, message: 'Required parameter missing or invalid' } }],
    ];
    for (const [what, body, want] of cases) {
      const r = await ajr(d, '/axis-cgi/basicdeviceinfo.cgi', body);
      t.equal(r.status, 200, `${what}: HTTP 200`);
      t.match(r.res.headers['content-type'], /^application\/json/);
      t.same(r.json, want, what);
    }
    const unknownApi = await ajr(d, '/axis-cgi/apidiscovery.cgi', { apiVersion: '1.0', context: 'Axis library', method: 'getThings' });
    t.same(unknownApi.json, { apiVersion: '1.0', context: 'Axis library', method: 'getThings', error: { code: 2004, message: 'Method not supported' } });
    for (const path of ['/axis-cgi/apidiscovery.cgi', '/axis-cgi/basicdeviceinfo.cgi']) {
      for (const who of [null, ADMIN]) {
        const r = who ? await admin(d, 'GET', path) : await d.req('GET', path);
        t.equal(r.status, 200, `GET ${path} (${who ? 'admin' : 'anonymous'}): HTTP 200`);
        t.same(JSON.parse(r.body), { apiVersion: '1.0', context: '', method: '', error: { code: 2002, message: 'HTTP request type not supported. Only POST is supported' } }, `GET ${path}: 2002`);
      }
    }
  });
});

t.test('time.cgi', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, VIEWER.user, VIEWER.pw, 'viewer');
  await addAccount(d, OPERATOR.user, OPERATOR.pw, 'viewer:operator');
  const rpc = new RpcCaller(await d.tb.connect('tester'));
  t.teardown(() => rpc.close());
  const boardd = rpc.client<{ getTime(p: Record<string, never>): { utcMs: number } }>('boardd');

  const info = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', context: 'c', method: 'getDateTimeInfo' }, VIEWER);
  t.equal(info.status, 200);
  const data = info.json.data as Record<string, unknown>;
  t.same(Object.keys(data).sort(), ['dateTime', 'dstEnabled', 'localDateTime', 'maxSupportedYear', 'posixTimeZone', 'timeZone']);
  t.match(data.dateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.equal(data.timeZone, 'Etc/UTC');
  const { utcMs } = await boardd.getTime({});
  t.ok(Math.abs(Date.parse(data.dateTime as string) - utcMs) < 3000, 'the board clock');

  const tz = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', context: 'c', method: 'setTimeZone', params: { timeZone: 'Europe/Stockholm' } });
  t.same(tz.json, { apiVersion: '1.0', context: 'c', method: 'setTimeZone', data: {} });
  t.equal((await d.params.get({ names: ['Time.TimeZone'] })).params['Time.TimeZone'], 'Europe/Stockholm');
  for (const bad of ['Mars/Olympus_Mons', '../../etc/passwd', 42, '']) {
    const r = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', context: 'c', method: 'setTimeZone', params: { timeZone: bad } });
    t.same(r.json, { apiVersion: '1.0', context: 'c', method: 'setTimeZone', error: { code: 2104, message: 'Invalid parameter value specified' } }, `timeZone ${JSON.stringify(bad)} refused`);
  }
  const missing = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', method: 'setTimeZone', params: {} });
  t.match(missing.json, { error: { code: 2103 } }, 'missing timeZone');
  t.equal((await d.params.get({ names: ['Time.TimeZone'] })).params['Time.TimeZone'], 'Europe/Stockholm', 'unchanged by refusals');
  t.equal((await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', method: 'setTimeZone', params: { timeZone: 'UTC' } }, OPERATOR)).status, 403, 'operators may not');

  const after = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', method: 'getDateTimeInfo' }, VIEWER);
  t.equal((after.json.data as { timeZone: string }).timeZone, 'Europe/Stockholm');

  t.equal((await d.params.get({ names: ['Time.SyncSource'] })).params['Time.SyncSource'], 'NTP', 'NTP before');
  const set = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', context: 'c', method: 'setDateTime', params: { dateTime: '2030-01-02T03:04:05Z' } });
  t.same(set.json, { apiVersion: '1.0', context: 'c', method: 'setDateTime', data: {} });
  const now = (await boardd.getTime({})).utcMs;
  t.ok(now >= Date.parse('2030-01-02T03:04:05Z') && now < Date.parse('2030-01-02T03:04:15Z'), `boardd's clock was set (${new Date(now).toISOString()})`);
  t.equal((await d.params.get({ names: ['Time.SyncSource'] })).params['Time.SyncSource'], 'None', 'Time.SyncSource=None');
  const shown = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', method: 'getDateTimeInfo' }, VIEWER);
  const sd = shown.json.data as { dateTime: string; localDateTime: string };
  t.match(sd.dateTime, /^2030-01-02T03:04:/);
  t.match(sd.localDateTime, /^2030-01-02T04:04:/, 'local time in Stockholm (UTC+1 in January)');
  for (const bad of ['2030-01-02 03:04:05', '2050-01-01T00:00:00Z', 'yesterday', 12]) {
    const r = await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', method: 'setDateTime', params: { dateTime: bad } });
    t.match(r.json, { error: { code: 2104 } }, `dateTime ${JSON.stringify(bad)} refused`);
  }
  t.match((await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', method: 'setDateTime' })).json, { error: { code: 2103 } }, 'missing dateTime');
  t.equal((await ajr(d, '/axis-cgi/time.cgi', { apiVersion: '1.0', method: 'setDateTime', params: { dateTime: '2031-01-01T00:00:00Z' } }, OPERATOR)).status, 403, 'operators may not set the clock');
  t.ok((await boardd.getTime({})).utcMs < Date.parse('2031-01-01T00:00:00Z'), 'clock unchanged by refusals');
});

t.test('404 for unknown and camera-only APIs, never 500 (§1.7, §2.14, gotcha 18)', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const paths = [
    '/axis-cgi/nonexistent.cgi',
    '/axis-cgi/streamprofile.cgi',
    '/axis-cgi/viewarea/info.cgi',
    '/axis-cgi/viewarea/configure.cgi',
    '/axis-cgi/jpg/image.cgi',
    '/axis-cgi/bitmap/image.bmp',
    '/axis-cgi/mjpg/video.cgi',
    '/axis-cgi/com/ptz.cgi',
    '/axis-cgi/pirsensor.cgi',
    '/axis-cgi/lightcontrol.cgi',
    '/axis-cgi/temperaturecontrol.cgi',
    '/axis-cgi/siren_and_light.cgi',
    '/local/vmd/control.cgi',
    '/local/fenceguard/control.cgi',
    '/local/loiteringguard/control.cgi',
    '/local/motionguard/control.cgi',
    '/local/objectanalytics/control.cgi',
    '/axis-cgi/io/portmanagement.cgi',
  ];
  for (const p of paths) {
    for (const method of ['GET', 'POST']) {
      const body = method === 'POST' ? '{"apiVersion":"1.0","context":"Axis library","method":"getPorts"}' : undefined;
      const anon = await d.req(method, p, { body, headers: body ? { 'Content-Type': 'application/json' } : undefined });
      t.equal(anon.status, 404, `${method} ${p} anonymously: 404`);
      const a = await admin(d, method, p, { body, headers: body ? { 'Content-Type': 'application/json' } : undefined });
      t.equal(a.status, 404, `${method} ${p} as admin: 404`);
      t.equal(a.body, '404 Not Found\n');
    }
  }
});

t.test('client mistakes on every CGI are never a 5xx', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const forms = [
    '/axis-cgi/param.cgi?action=list&group=%',
    '/axis-cgi/param.cgi?action=list&group=%E0%A4%A',
    '/axis-cgi/param.cgi?action=list&group=,,,',
    '/axis-cgi/param.cgi?action=list&group=' + 'A.'.repeat(500),
    '/axis-cgi/param.cgi?action=list&group=**',
    // past paramd's limits (1024-character names, 1000 groups or changes per call)
    '/axis-cgi/param.cgi?action=list&group=' + 'a'.repeat(1100),
    '/axis-cgi/param.cgi?action=listdefinitions&group=' + 'a'.repeat(1100),
    '/axis-cgi/param.cgi?action=list&group=' + Array.from({ length: 1001 }, (_, i) => `G${i}`).join(','),
    '/axis-cgi/param.cgi?action=listdefinitions&group=' + Array.from({ length: 1001 }, (_, i) => `G${i}`).join(','),
    '/axis-cgi/param.cgi?action=remove&group=' + Array.from({ length: 1001 }, (_, i) => `G${i}`).join(','),
    '/axis-cgi/param.cgi?action=update&' + Array.from({ length: 1001 }, (_, i) => `root.X.K${i}=1`).join('&'),
    '/axis-cgi/param.cgi?action=update&' + 'a'.repeat(1100) + '=1',
    '/axis-cgi/param.cgi?action=update',
    '/axis-cgi/param.cgi?action=update&=1',
    '/axis-cgi/param.cgi?action=update&Audio.MaxListeners',
    '/axis-cgi/param.cgi?action=update&Audio.MaxListeners=' + '9'.repeat(400),
    '/axis-cgi/param.cgi?action=add',
    '/axis-cgi/param.cgi?action=add&group=Brand&template=brand',
    '/axis-cgi/param.cgi?action=remove',
    '/axis-cgi/param.cgi?action=remove&group=Brand',
    '/axis-cgi/param.cgi?action=listdefinitions&group=%zz',
    '/axis-cgi/param.cgi?action=%00',
    '/axis-cgi/param.cgi',
    '/axis-cgi/pwdgrp.cgi',
    '/axis-cgi/pwdgrp.cgi?action=add',
    '/axis-cgi/pwdgrp.cgi?action=add&user=x&pwd=' + 'p'.repeat(200) + '&sgrp=viewer',
    '/axis-cgi/pwdgrp.cgi?action=update',
    '/axis-cgi/pwdgrp.cgi?action=remove',
    '/axis-cgi/pwdgrp.cgi?action=explode',
    '/axis-cgi/serverreport.cgi?mode=tar',
  ];
  for (const url of forms) {
    // (a Digest request carries the URL twice: long ones only as POST bodies, below the header limit)
    const r = url.length < 7000 ? await admin(d, 'GET', url) : { status: 0, body: '' };
    t.ok(r.status < 500, `GET ${url.slice(0, 80)}: ${r.status}`);
    if (url.startsWith('/axis-cgi/param.cgi') && r.status === 200) t.match(r.body, /^(# Error: |root\.|OK\n)/, 'param.cgi: a VAPIX answer');
    const p = await admin(d, 'POST', url.replace(/\?.*/, ''), { body: url.includes('?') ? url.slice(url.indexOf('?') + 1) : '%%%', headers: { 'Content-Type': 'text/plain' } });
    t.ok(p.status < 500, `POST ${url.slice(0, 80)}: ${p.status}`);
    if (url.startsWith('/axis-cgi/param.cgi?')) t.equal(p.status, 200, 'param.cgi: client mistakes are HTTP 200');
  }
  const bodies = ['', 'null', '"x"', '{}', '{"method":null}', '{"method":"getProperties","params":null}', '{"method":"getProperties","params":{"propertyList":[1]}}', '{"apiVersion":1,"method":"getApiList"}', '{"apiVersion":"1.0","method":"setDateTime","params":{"dateTime":"2030-02-30T00:00:00Z"}}', '{"apiVersion":"1","method":"systemready","params":{"timeout":"x"}}', '\u0000\u0001', '{"method":"__proto__"}', '{"method":"constructor"}', '{"method":"toString"}'];
  for (const path of ['/axis-cgi/apidiscovery.cgi', '/axis-cgi/basicdeviceinfo.cgi', '/axis-cgi/systemready.cgi', '/axis-cgi/time.cgi']) {
    for (const body of bodies) {
      for (const ct of ['application/json', 'text/plain']) {
        const r = await admin(d, 'POST', path, { body, headers: { 'Content-Type': ct } });
        t.ok(r.status === 200, `${path} ${JSON.stringify(body)} (${ct}): ${r.status}`);
        t.doesNotThrow(() => JSON.parse(r.body), 'a JSON answer');
      }
    }
  }
});
