import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Ajv } from 'ajv';
import { DEFINITION_FILES, definitionVars } from '../src/definitions.js';
import { defsFileSchema } from '../src/defs-schema.js';
import { FIRMWARE } from '../src/firmware.js';
import { Registry } from '../src/registry.js';
import { MAC, SERIAL, expectError, identity, openDb, realRegistry } from './fixtures/helpers.js';
import type { ParamDefinitionEntry } from '@belfry/core';

const byName = (entries: ParamDefinitionEntry[]) => Object.fromEntries(entries.map((e) => [e.name, e]));

t.test('definitions(): type, securityLevel, values, min/max', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  db.add('MediaClip', 'mediaclip', { Name: 'Doorbell' }, 'operator');
  const d = byName(db.definitions(['Audio', 'MediaClip', 'Brand', 'Network'], 'admin'));
  t.same(d['Audio.DSCP'], { name: 'Audio.DSCP', value: '0', type: 'int', securityLevel: '7716', readonly: false, const: false, secret: false, min: 0, max: 63 });
  t.same(d['Audio.DuplexMode'], {
    name: 'Audio.DuplexMode',
    value: 'full',
    type: 'enum',
    securityLevel: '7716',
    readonly: false,
    const: false,
    secret: false,
    values: ['full', 'half', 'post', 'get'],
  });
  t.same(d['Audio.A0.Enabled']?.values, ['yes', 'no'], 'bools list yes/no');
  t.equal(d['Audio.A0.Enabled']?.type, 'bool');
  t.same(d['Audio.NbrOfConfigs'], { name: 'Audio.NbrOfConfigs', value: '1', type: 'int', securityLevel: '7717', readonly: true, const: true, secret: false });
  t.same(d['Brand.Brand'], { name: 'Brand.Brand', value: 'Belfry', type: 'string', securityLevel: '7707', readonly: true, const: true, secret: false });
  t.same(d['MediaClip.MaxUploadSize'], {
    name: 'MediaClip.MaxUploadSize',
    value: '1.5',
    type: 'float',
    securityLevel: '7716',
    readonly: false,
    const: false,
    secret: false,
    min: 0.1,
    max: 50,
  });
  t.same(d['MediaClip.M0.Name'], { name: 'MediaClip.M0.Name', value: 'Doorbell', type: 'string', securityLevel: '4414', readonly: false, const: false, secret: false, maxLength: 64 });
  t.same(d['MediaClip.M0.Type'], {
    name: 'MediaClip.M0.Type',
    value: 'audio',
    type: 'enum',
    securityLevel: '4417',
    readonly: true,
    const: false,
    secret: false,
    values: ['audio'],
  });
  t.equal(d['Network.IPAddress']?.type, 'ip');
  t.equal(d['Network.HostName']?.maxLength, 63);
  t.equal(d['Network.eth0.MACAddress']?.value, MAC);
  // the same set and order as list()
  t.same(Object.keys(d), Object.keys(db.list(['Audio', 'MediaClip', 'Brand', 'Network'], 'admin')));
});

t.test('definitions(): niceName, level filter, errors', async (t) => {
  const { db } = openDb(t, {
    registry: new Registry(
      [{ owner: 'a', defaults: { read: 'viewer', write: 'admin' }, params: { 'A.Nice': { type: 'list', values: ['p', 'q'], default: 'p', niceName: 'Nice name', maxLength: 10 }, 'A.Hidden': { type: 'string', read: 'admin' } } }],
      {},
    ),
  });
  t.same(db.definitions(['A'], 'viewer'), [{ name: 'A.Nice', value: 'p', type: 'list', securityLevel: '7716', readonly: false, const: false, secret: false, niceName: 'Nice name', maxLength: 10, values: ['p', 'q'] }]);
  t.same(db.definitions(undefined, 'anonymous'), []);
  t.equal(db.definitions(undefined, 'admin').length, 2);
  expectError(t, () => db.definitions(['Nope'], 'admin'), 'not_found', 'Nope');
});

t.test('every definitions file passes the schema', async (t) => {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(defsFileSchema);
  const onDisk = readdirSync(join(import.meta.dirname, '../defs')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  t.same(Object.keys(DEFINITION_FILES).sort(), onDisk.sort(), 'every file in defs/ is loaded');
  for (const [name, file] of Object.entries(DEFINITION_FILES)) {
    t.ok(validate(file), `${name}.json is valid`, { errors: validate.errors });
  }
  // the schema is not vacuous
  t.notOk(validate({ owner: 'x', params: { 'A.B': { type: 'nope' } } }), 'an unknown type is refused');
  t.notOk(validate({ params: {} }), 'an owner is required');
  t.notOk(validate({ owner: 'x', params: { 'A..B': { type: 'string' } } }), 'a malformed name is refused');
});

t.test('definitionVars: board identity and firmware', async (t) => {
  const v = definitionVars(identity());
  t.equal(v['board.serialNumber'], SERIAL);
  t.equal(v['board.mac'], MAC);
  t.equal(v['board.brand'], 'Belfry');
  t.equal(v['firmware.version'], FIRMWARE.version);
  t.equal(v['firmware.buildNumber'], FIRMWARE.buildNumber);
  for (const [k, val] of Object.entries(v)) t.type(val, 'string', `${k} is a string`);
});

t.test('what clients require of the real definitions (VAPIX §2.3)', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  const props = db.list(['root.Properties'], 'anonymous');
  for (const k of ['API.HTTP.Version', 'API.Metadata.Metadata', 'API.Metadata.Version', 'Firmware.BuildDate', 'Firmware.BuildNumber', 'Firmware.Version', 'System.SerialNumber']) {
    t.ok(`Properties.${k}` in props, `K60 needs Properties.${k}`);
  }
  t.equal(props['Properties.System.SerialNumber'], SERIAL);
  t.equal(props['Properties.Firmware.BuildNumber'], FIRMWARE.buildNumber);
  t.same(db.list(['Brand'], 'anonymous'), {
    'Brand.Brand': 'Belfry',
    'Brand.ProdFullName': 'Belfry BS1410 Network Mini Speaker',
    'Brand.ProdNbr': 'BS1410',
    'Brand.ProdShortName': 'Belfry BS1410',
    'Brand.ProdType': 'Network Speaker',
    'Brand.ProdVariant': '',
    'Brand.WebURL': 'https://belfry.example/',
  });
  const audio = db.list(['Audio'], 'viewer');
  for (const k of ['DuplexMode', 'MaxListeners', 'ReceiverBuffer', 'ReceiverTimeout', 'NbrOfConfigs', 'DSCP']) t.ok(`Audio.${k}` in audio, `K521 needs Audio.${k}`);
  // §9.5: the 802.1X params are admin's (7766); ACS looks for Enabled
  t.equal(db.list(['Network.Interface.I0.dot1x.Enabled'], 'admin')['Network.Interface.I0.dot1x.Enabled'], 'no');
  t.same(db.list(['Network.Interface.I0.dot1x'], 'viewer'), {}, 'not a viewer\'s');
  t.same(db.list(['Network.Interface.I0.dot1x'], 'admin'), { 'Network.Interface.I0.dot1x.Enabled': 'no', 'Network.Interface.I0.dot1x.EAPOLVersion': '3', 'Network.Interface.I0.dot1x.Status': 'Stopped', 'Network.Interface.I0.dot1x.EAP.MultiAuthEnabled': 'no', 'Network.Interface.I0.dot1x.EAPTLS.Identity': '' }, 'the password is never listed');
  expectError(t, () => db.update({ 'Network.Interface.I0.dot1x.Status': 'Authorized' }, 'admin'), 'failed_precondition');
  expectError(t, () => db.update({ 'Network.Interface.I0.dot1x.EAPTLS.PrivateKeyPassword': 'x'.repeat(17) }, 'admin'), 'invalid_argument');
  db.update({ 'Network.Interface.I0.dot1x.EAPTLS.PrivateKeyPassword': 'x'.repeat(16), 'Network.Interface.I0.dot1x.EAPTLS.Identity': 'i'.repeat(128) }, 'admin');
  expectError(t, () => db.update({ 'Network.Interface.I0.dot1x.EAPTLS.Identity': 'i'.repeat(129) }, 'admin'), 'invalid_argument');
  expectError(t, () => db.update({ 'Network.Interface.I0.dot1x.EAPOLVersion': '4' }, 'admin'), 'invalid_argument');
  t.same(db.list(['IOPort'], 'viewer'), {});
  t.same(db.list(['StreamProfile'], 'viewer'), { 'StreamProfile.MaxGroups': '0' });
  // K60 builds a tree on '.', so no name may be both a leaf and a group, clips included
  for (let i = 0; i < 12; i++) db.add('MediaClip', 'mediaclip', {}, 'operator');
  const names = Object.keys(db.list(undefined, 'internal'));
  const leaves = new Set(names);
  for (const n of names) {
    const parts = n.split('.');
    for (let i = 1; i < parts.length; i++) t.notOk(leaves.has(parts.slice(0, i).join('.')), `${n}: ${parts.slice(0, i).join('.')} is not a leaf`);
  }
  // every value survives a `name=value` line round trip
  for (const [n, v] of Object.entries(db.list(undefined, 'internal'))) {
    const line = `root.${n}=${v}`;
    // eslint-disable-next-line no-control-regex -- these are exactly the line breaks Python splits at
    t.equal(line.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/).length, 1, `${n} is one line`);
  }
});
