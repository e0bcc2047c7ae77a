import t from 'tap';
import { sim } from '@belfry/board';
import { Registry, securityDigits, levelAtLeast } from '../src/registry.js';
import { deviceRegistry } from '../src/definitions.js';
import { FIRMWARE } from '../src/firmware.js';
import type { DefsFile } from '../src/types.js';
import { FIXTURE_VARS, MAC, SERIAL, fixtureFiles, fixtureRegistry, realRegistry } from './fixtures/helpers.js';

const reg = (files: DefsFile[], vars: Record<string, string> = FIXTURE_VARS) => () => new Registry(files, vars);

t.test('a name that is both a parameter and a group is rejected', async (t) => {
  t.throws(reg([{ owner: 'a', params: { 'A.B': { type: 'string' }, 'A.B.C': { type: 'string' } } }]), /A\.B is both a parameter and a group/);
  t.throws(reg([{ owner: 'a', params: { 'A.B.C': { type: 'string' }, 'A.B': { type: 'string' } } }]), /A\.B is both a parameter and a group/, 'in either order');
  t.throws(
    reg([
      { owner: 'a', params: { X: { type: 'string' } } },
      { owner: 'b', params: { 'X.Y.Z': { type: 'int', default: '1' } } },
    ]),
    /X is both a parameter and a group/,
    'across files',
  );
  t.throws(reg([{ owner: 'a', params: { G: { type: 'string' } }, templates: { g: { group: 'G', prefix: 'E', max: 2, params: { N: { type: 'string' } } } } }]), /group G is a parameter/);
  // siblings that merely share a prefix are fine
  t.doesNotThrow(reg([{ owner: 'a', params: { 'A.B': { type: 'string' }, 'A.BC.D': { type: 'string' } } }]));
});

t.test('a name defined twice is rejected', async (t) => {
  t.throws(
    reg([
      { owner: 'a', params: { 'A.B': { type: 'string' } } },
      { owner: 'b', params: { 'A.B': { type: 'string' } } },
    ]),
    /A\.B defined twice/,
  );
  const tpl = { group: 'G', prefix: 'E', max: 1, params: { N: { type: 'string' as const } } };
  t.throws(
    reg([
      { owner: 'a', templates: { g: tpl } },
      { owner: 'b', templates: { g: tpl } },
    ]),
    /template g defined twice/,
  );
});

t.test('an invalid default is rejected', async (t) => {
  t.throws(reg([{ owner: 'a', params: { 'A.N': { type: 'int', default: 'abc' } } }]), /default of A\.N is invalid: not an integer/);
  t.throws(reg([{ owner: 'a', params: { 'A.N': { type: 'int', default: '11', max: 10 } } }]), /default of A\.N is invalid: above 10/);
  t.throws(reg([{ owner: 'a', params: { 'A.E': { type: 'enum', values: ['x'], default: 'y' } } }]), /default of A\.E is invalid/);
  t.throws(reg([{ owner: 'a', params: { 'A.I': { type: 'int' } } }]), /default of A\.I is invalid/, 'an int without a default');
  t.throws(reg([{ owner: 'a', params: { 'A.S': { type: 'string', default: 'toolong', maxLength: 3 } } }]), /default of A\.S is invalid/);
  t.throws(reg([{ owner: 'a', params: { 'A.S': { type: 'string', default: 'a\nb' } } }]), /default of A\.S is invalid: control/);
  t.throws(reg([{ owner: 'a', params: { 'A.C': { type: 'int', const: true, default: '${board.serialNumber}' } } }]), /default of A\.C is invalid/, 'a const filled with a bad value');
  t.throws(
    reg([{ owner: 'a', templates: { tt: { group: 'G', prefix: 'E', max: 2, params: { N: { type: 'int', default: 'x' } } } } }]),
    /template tt: default of N is invalid/,
  );
  const withInstance = (values: Record<string, string>, template = 'tt'): DefsFile[] => [
    { owner: 'a', templates: { tt: { group: 'G', prefix: 'E', max: 2, params: { N: { type: 'int', default: '1', max: 5 } } } }, instances: [{ template, n: 0, values }] },
  ];
  t.throws(reg(withInstance({ N: '9' })), /instance G\.E0\.N: above 5/);
  t.throws(reg(withInstance({ Nope: '1' })), /instance G\.E0: unknown param Nope/);
  t.throws(reg(withInstance({ constructor: '1' })), /instance G\.E0: unknown param constructor/, 'inherited names are not params');
  t.throws(reg(withInstance({}, 'other')), /instance of unknown template other/);
  t.doesNotThrow(reg(withInstance({ N: '5' })));
});

t.test('an unknown ${placeholder} is rejected', async (t) => {
  t.throws(reg([{ owner: 'a', params: { 'A.S': { type: 'string', default: 'x-${board.nothing}' } } }]), /unknown placeholder \$\{board\.nothing\}/);
  t.throws(reg([{ owner: 'a', params: { 'A.S': { type: 'string', const: true, default: '${firmware.nothing}' } } }]), /unknown placeholder/);
  t.throws(reg([{ owner: 'a', params: { 'A.S': { type: 'string', default: 'Clip ${n}' } } }]), /unknown placeholder \$\{n\}/, '${n} only exists in templates');
  t.throws(reg([{ owner: 'a', templates: { tt: { group: 'G', prefix: 'E', max: 2, params: { N: { type: 'string', default: '${m}' } } } } }]), /unknown placeholder \$\{m\}/);
  t.throws(reg([{ owner: 'a', params: { 'A.S': { type: 'string', default: '${toString}' } } }]), /unknown placeholder \$\{toString\}/);
  t.doesNotThrow(reg([{ owner: 'a', templates: { tt: { group: 'G', prefix: 'E', max: 2, params: { N: { type: 'string', default: 'E ${n} of ${board.serialNumber}' } } } } }]));
});

t.test('a template param cannot be const', async (t) => {
  t.throws(reg([{ owner: 'a', templates: { tt: { group: 'G', prefix: 'E', max: 2, params: { N: { type: 'string', const: true } } } } }]), /template tt: N cannot be const/);
});

t.test('file-level defaults and normalisation', async (t) => {
  const r = fixtureRegistry();
  const str = r.statics.get('Test.Str')!;
  t.equal(str.read, 'viewer');
  t.equal(str.write, 'operator');
  t.equal(str.owner, 'testd');
  t.equal(r.statics.get('Other.Value')!.owner, 'otherd');
  t.equal(r.statics.get('Test.AdminOnly')!.read, 'admin', 'a param overrides the file defaults');
  t.same(r.statics.get('Test.Bool')!.values, ['yes', 'no'], 'bools carry yes/no');
  t.equal(r.statics.get('Test.Const')!.readonly, true, 'const implies readonly');
  const bare = new Registry([{ owner: 'z', params: { 'Z.S': { type: 'string' } } }], {});
  t.equal(bare.statics.get('Z.S')!.read, 'admin', 'without file defaults, admin reads');
  t.equal(bare.statics.get('Z.S')!.write, 'admin');
  t.equal(bare.statics.get('Z.S')!.default, '');
  const tpl = r.template('slot')!;
  t.equal(tpl.first, 1);
  t.equal(tpl.max, 3);
  t.equal(tpl.create, 'operator');
  t.equal(tpl.delete, 'admin');
  const noLevels = new Registry([{ owner: 'z', defaults: { write: 'operator' }, templates: { tt: { group: 'G', prefix: 'E', max: 2, params: { N: { type: 'string' } } } } }], {});
  t.equal(noLevels.template('tt')!.first, 0, 'first defaults to 0');
  t.equal(noLevels.template('tt')!.create, 'operator', 'create defaults to the file write level');
  t.equal(noLevels.template('tt')!.delete, 'operator');
});

t.test('const params are filled from the board identity and firmware', async (t) => {
  const r = realRegistry();
  const c = r.constValues;
  t.equal(c.get('Brand.Brand'), 'Belfry');
  t.equal(c.get('Brand.ProdNbr'), 'BS1410');
  t.equal(c.get('Brand.ProdFullName'), 'Belfry BS1410 Network Mini Speaker');
  t.equal(c.get('Brand.ProdShortName'), 'Belfry BS1410');
  t.equal(c.get('Brand.ProdType'), 'Network Speaker');
  t.equal(c.get('Brand.ProdVariant'), '');
  t.equal(c.get('Brand.WebURL'), 'https://belfry.example/');
  t.equal(c.get('Properties.System.SerialNumber'), SERIAL);
  t.equal(c.get('Network.eth0.MACAddress'), MAC);
  t.equal(c.get('Properties.System.HardwareID'), '7F1');
  t.equal(c.get('Properties.Firmware.Version'), FIRMWARE.version);
  t.equal(c.get('Properties.Firmware.BuildNumber'), FIRMWARE.buildNumber);
  t.equal(c.get('Properties.Firmware.BuildDate'), FIRMWARE.buildDate);
  t.equal(c.get('Properties.API.HTTP.Version'), '3');

  const defaults = r.defaults();
  t.equal(defaults.get('Network.HostName'), `belfry-${SERIAL}`, 'stored defaults use the identity too');
  t.equal(defaults.get('Network.Bonjour.FriendlyName'), `Belfry BS1410 - ${SERIAL}`);
  t.notOk(defaults.has('Brand.Brand'), 'const values are never stored');
  t.notOk(defaults.has('Properties.System.SerialNumber'));
  for (const n of defaults.keys()) t.notOk(r.statics.get(n)?.const, `${n} is not const`);

  // another board, other values: nothing is hard-wired
  const other = deviceRegistry(sim.simIdentity({ serialNumber: '02BE1F00ABCD', mac: '02:BE:1F:00:AB:CD' }));
  t.equal(other.constValues.get('Properties.System.SerialNumber'), '02BE1F00ABCD');
  t.equal(other.constValues.get('Network.eth0.MACAddress'), '02:BE:1F:00:AB:CD');
  t.equal(other.defaults().get('Network.HostName'), 'belfry-02BE1F00ABCD');
});

t.test('defaults are stored in canonical form', async (t) => {
  const r = new Registry(
    [
      {
        owner: 'a',
        params: { 'A.B': { type: 'bool', default: 'TRUE' }, 'A.I': { type: 'int', default: '+007' } },
        templates: { tt: { group: 'G', prefix: 'E', max: 3, params: { On: { type: 'bool', default: 'off' }, Num: { type: 'int', default: '0${n}' } } } },
        instances: [{ template: 'tt', n: 0, values: { On: '1' } }, { template: 'tt', n: 2 }],
      },
    ],
    {},
  );
  t.same(Object.fromEntries(r.defaults()), { 'A.B': 'yes', 'A.I': '7', 'G.E0.Num': '0', 'G.E0.On': 'yes', 'G.E2.Num': '2', 'G.E2.On': 'no' });
});

t.test('template instances resolve by exact instance names only', async (t) => {
  const r = realRegistry();
  const m3 = r.resolve('MediaClip.M3.Name');
  t.ok(m3, 'MediaClip.M3.Name resolves');
  t.equal(m3!.template?.name, 'mediaclip');
  t.equal(m3!.instance, 'MediaClip.M3');
  t.equal(m3!.def.type, 'string');
  t.equal(m3!.def.maxLength, 64);
  t.ok(r.resolve('MediaClip.M0.Location')?.def.readonly);
  t.ok(r.resolve('MediaClip.M36.Type'));
  t.ok(r.resolve('MediaClip.M99999.Name'), 'five digits');
  for (const n of [
    'MediaClip.M03.Name',
    'MediaClip.M.Name',
    'MediaClip.M3',
    'MediaClip.M3.',
    'MediaClip.M3.Nope',
    'MediaClip.M3.Name.Extra',
    'MediaClip.M-1.Name',
    'MediaClip.M+1.Name',
    'MediaClip.M1e1.Name',
    'MediaClip.M3x.Name',
    'MediaClip.M100000.Name',
    'MediaClip.m3.Name',
    'Mediaclip.M3.Name',
    'MediaClip.M3.constructor',
    'MediaClip.M3.__proto__',
    'MediaClip.M3.toString',
    'root.MediaClip.M3.Name',
  ]) {
    t.equal(r.resolve(n), undefined, `${n} does not resolve`);
  }
  t.same(r.instanceOf('MediaClip.M12'), { template: r.template('mediaclip'), path: 'MediaClip.M12', n: 12 });
  t.equal(r.instanceOf('MediaClip.M012'), undefined);
  t.equal(r.instanceOf('MediaClip.MaxGroups'), undefined, 'a static sibling is not an instance');
  t.equal(r.resolve('MediaClip.MaxGroups')?.template, undefined);
  t.equal(r.resolve('MediaClip.MaxGroups')?.def.const, true);

  const f = fixtureRegistry();
  t.equal(f.instanceOf('Slot.S0.Name'), undefined, 'below the template\'s first number');
  t.equal(f.instanceOf('Slot.S1.Name')?.n, 1);
  t.equal(f.instanceOf('Slot.S7.Name')?.n, 7, 'max limits how many, not which numbers');
});

t.test('instance defaults and factory defaults', async (t) => {
  const r = fixtureRegistry();
  const tpl = r.template('slot')!;
  t.same([...r.instanceDefaults(tpl, 3)], [
    ['Slot.S3.Keep', 'k'],
    ['Slot.S3.Kind', 'p'],
    ['Slot.S3.Level', '0'],
    ['Slot.S3.Name', 'Slot 3'],
    ['Slot.S3.Token', ''],
  ]);
  t.equal(r.instanceDefaults(tpl, 3, { Name: 'Given' }).get('Slot.S3.Name'), 'Given');
  const d = r.defaults();
  t.equal(d.get('Slot.S1.Name'), 'Front', 'default instance values');
  t.equal(d.get('Slot.S2.Name'), 'Slot 2');
  t.notOk(d.has('Slot.S3.Name'), 'only the declared instances exist at first');
  t.equal(d.get('Net.Host'), 'host-SER123');
  t.notOk(d.has('Test.Const'));
  t.equal(r.constValues.get('Test.Const'), 'SER123');
  t.equal(
    [...d.keys()].filter((n) => n.startsWith('Slot.')).length,
    10,
    'two instances of five params',
  );
});

t.test('isGroup', async (t) => {
  const r = fixtureRegistry();
  const names = [...r.defaults().keys(), ...r.constValues.keys()];
  t.ok(r.isGroup('Test', names));
  t.ok(r.isGroup('Test.Sub', names));
  t.ok(r.isGroup('Empty', names), 'declared, empty');
  t.ok(r.isGroup('Deep.Empty', names), 'declared, nested');
  t.ok(r.isGroup('Deep', names), 'the parent of a declared group is a group');
  t.ok(r.isGroup('Slot', names), 'a template group');
  t.ok(r.isGroup('Slot', []), 'a template group even without instances');
  t.notOk(r.isGroup('Test.Str', names), 'a leaf is not a group');
  t.notOk(r.isGroup('Tes', names), 'a prefix of a segment is not a group');
  t.notOk(r.isGroup('Nope', names));
  t.notOk(r.isGroup('Empty.Sub', names));
});

t.test('securityDigits: create, delete, read, write', async (t) => {
  const r = realRegistry();
  const s = (n: string) => {
    const x = r.resolve(n)!;
    return securityDigits(x.def, x.template);
  };
  t.equal(s('Brand.Brand'), '7707', 'const, readable by anyone');
  t.equal(s('Properties.API.HTTP.Version'), '7707');
  t.equal(s('Audio.NbrOfConfigs'), '7717', 'const, viewer');
  t.equal(s('Audio.DSCP'), '7716', 'viewer reads, admin writes');
  t.equal(s('Network.HostName'), '7716');
  t.equal(s('MediaClip.MaxUploadSize'), '7716');
  t.equal(s('MediaClip.M3.Name'), '4414', 'operator creates and deletes, viewer reads, operator writes');
  t.equal(s('MediaClip.M3.Location'), '4417', 'readonly in a template');
  const f = fixtureRegistry();
  const fs = (n: string) => {
    const x = f.resolve(n)!;
    return securityDigits(x.def, x.template);
  };
  t.equal(fs('Test.Str'), '7714', 'viewer-read / operator-write static');
  t.equal(fs('Test.Internal'), '7717', 'internal write');
  t.equal(fs('Test.AdminOnly'), '7766');
  t.equal(fs('Test.ReadOnly'), '7717');
  t.equal(fs('Test.Public'), '7706');
  t.equal(fs('Slot.S1.Name'), '4614', 'operator creates, admin deletes');
});

t.test('levelAtLeast orders anonymous < viewer < operator < admin < internal', async (t) => {
  const order = ['anonymous', 'viewer', 'operator', 'admin', 'internal'] as const;
  for (const [i, a] of order.entries()) for (const [j, b] of order.entries()) t.equal(levelAtLeast(a, b), i >= j, `${a} >= ${b}`);
});

t.test('the real definitions load and are consistent', async (t) => {
  const r = realRegistry();
  const all = [...r.statics.keys()];
  const set = new Set(all);
  for (const n of all) {
    const parts = n.split('.');
    for (let i = 1; i < parts.length; i++) t.notOk(set.has(parts.slice(0, i).join('.')), `${n}: no parent is a leaf`);
  }
  t.same([...r.templates.keys()].sort(), ['dtmf', 'mediaclip', 'recipient']);
  t.equal(r.instances.length, 0, 'no clips at first boot');
  // fixture files are independent of the real ones
  t.doesNotThrow(() => new Registry(fixtureFiles(), FIXTURE_VARS));
});
