import t, { type Test } from 'tap';
import { BelfryError } from '@belfry/core';
import { GAIN_RANGE, capabilitiesTree, mergeSettings, settingsTree } from '../src/device-settings.js';

const ch = (c: object) => ({ id: 0, ...c });
const out = (channels: object[], ids: { dev?: unknown; io?: unknown; ct?: unknown; st?: unknown } = {}) => [
  { id: ids.dev ?? '0', outputs: [{ id: ids.io ?? '0', connectionTypes: [{ id: ids.ct ?? 'internal', signalingTypes: [{ id: ids.st ?? 'unbalanced', channels }] }] }] },
];
const inp = (channels: object[], extra: object = {}) => [
  { id: '0', inputs: [{ id: '0', connectionTypes: [{ id: 'internal', signalingTypes: [{ id: 'unbalanced', ...extra, channels }] }] }] },
];

function refused(t: Test, devices: unknown, pattern: RegExp, msg: string): void {
  try {
    const r = mergeSettings(devices);
    t.fail(`${msg}: accepted as ${JSON.stringify(r)}`);
  } catch (err) {
    t.type(err, BelfryError, msg);
    t.equal((err as BelfryError).code, 'invalid_argument', `${msg}: invalid_argument`);
    t.match((err as Error).message, pattern, msg);
  }
}

t.test('ids as strings or numbers', async (t) => {
  t.same(mergeSettings(out([{ id: '0', gain: -10 }])), { outputGain: -10 }, 'channel id "0"');
  t.same(mergeSettings(out([{ id: 0, gain: -10 }])), { outputGain: -10 }, 'channel id 0');
  t.same(mergeSettings(out([ch({ mute: true })], { dev: 0, io: 0 })), { outputMute: true }, 'device and output ids as numbers');
  t.same(mergeSettings(inp([ch({ gain: 12, mute: false })])), { inputGain: 12, inputMute: false });
});

t.test('partial trees change only what they name', async (t) => {
  t.same(mergeSettings([]), {}, 'no devices');
  t.same(mergeSettings([{ id: '0' }]), {}, 'a device without inputs or outputs');
  t.same(mergeSettings([{ id: '0', outputs: [{ id: '0' }] }]), {}, 'an output without connection types');
  t.same(mergeSettings([{ id: '0', outputs: [{ id: '0', connectionTypes: [{ id: 'internal' }] }] }]), {}, 'no signaling types');
  t.same(mergeSettings(out([ch({})])), {}, 'a channel with nothing to set');
  t.same(mergeSettings(out([ch({ gain: 3 })])), { outputGain: 3 }, 'gain only');
  t.same(mergeSettings(inp([ch({ mute: true })])), { inputMute: true }, 'input mute only');
  const both = [{ ...out([ch({ gain: -60 })])[0]!, ...inp([ch({ gain: 30 })])[0]! }];
  t.same(mergeSettings(both), { outputGain: -60, inputGain: 30 }, 'inputs and outputs together, at their range ends');
  t.same(mergeSettings(inp([ch({ gain: -20 })], { powerType: 'none' })), { inputGain: -20 }, 'powerType none is accepted');
});

t.test('gains at and beyond their ranges', async (t) => {
  t.same(mergeSettings(out([ch({ gain: GAIN_RANGE.output.min })])), { outputGain: -60 });
  t.same(mergeSettings(out([ch({ gain: GAIN_RANGE.output.max })])), { outputGain: 6 });
  refused(t, out([ch({ gain: 7 })]), /output gain must be an integer from -60 to 6/, 'output +7 dB');
  refused(t, out([ch({ gain: -61 })]), /output gain/, 'output −61 dB');
  refused(t, inp([ch({ gain: 31 })]), /input gain must be an integer from -20 to 30/, 'input +31 dB');
  refused(t, inp([ch({ gain: -21 })]), /input gain/, 'input −21 dB');
  refused(t, out([ch({ gain: 1.5 })]), /integer/, 'a fractional gain');
  refused(t, out([ch({ gain: '3' })]), /integer/, 'a gain as a string');
  refused(t, out([ch({ gain: null })]), /integer/, 'a null gain');
  refused(t, out([ch({ gain: Number.NaN })]), /integer/, 'NaN');
});

t.test('mute must be a boolean', async (t) => {
  for (const m of ['true', 1, 0, 'yes', null]) refused(t, out([ch({ mute: m })]), /mute must be true or false/, `mute ${JSON.stringify(m)}`);
});

t.test('unknown ids and shapes are refused, and nothing changes', async (t) => {
  refused(t, out([ch({ gain: 1 })], { dev: '1' }), /unknown device id "1"/, 'device 1');
  refused(t, out([ch({ gain: 1 })], { io: 1 }), /unknown output id 1/, 'output 1');
  refused(t, inp([{ id: 1, gain: 1 }]), /unknown channel id 1/, 'channel 1');
  refused(t, out([{ gain: 1 }]), /unknown channel id undefined/, 'a channel without an id');
  refused(t, out([ch({ gain: 1 })], { ct: 'external' }), /unknown connection type id "external"/, 'connection type external');
  refused(t, out([ch({ gain: 1 })], { st: 'balanced' }), /unknown signaling type id "balanced"/, 'signaling type balanced');
  refused(t, out([ch({ gain: 1 })], { dev: true }), /unknown device id true/, 'a boolean id');
  refused(t, out([ch({ gain: 1 })], { dev: '00' }), /unknown device id "00"/, '"00" is not "0"');
  refused(t, inp([ch({ gain: 1 })], { powerType: 'phantom' }), /unsupported power type "phantom"/, 'phantom power');
  refused(t, { id: '0' }, /"devices" must be a list of objects/, 'devices not a list');
  refused(t, [null], /"devices" must be a list/, 'a null device');
  refused(t, [{ id: '0', outputs: {} }], /"outputs" must be a list/, 'outputs not a list');
  refused(t, [{ id: '0', inputs: ['0'] }], /"inputs" must be a list/, 'an input as a string');
  refused(t, out(['x' as unknown as object]), /"channels" must be a list/, 'a channel as a string');
  // a valid change next to an invalid one: the whole request fails (mergeSettings throws, nothing is returned)
  refused(t, [{ id: '0', outputs: out([ch({ gain: 1 })])[0]!.outputs, inputs: inp([ch({ gain: 99 })])[0]!.inputs }], /input gain/, 'one bad value spoils the batch');
});

t.test('the trees', async (t) => {
  const tree = settingsTree({ outputGain: -3, outputMute: true, inputGain: 5, inputMute: false }) as any[];
  t.same(tree[0].outputs[0].connectionTypes[0].signalingTypes[0].channels, [{ id: 0, gain: -3, mute: true }]);
  t.same(tree[0].inputs[0].connectionTypes[0].signalingTypes[0].channels, [{ id: 0, gain: 5, mute: false }]);
  // what settingsTree answers must be accepted back unchanged (clients echo it with one value edited)
  t.same(mergeSettings(tree), { outputGain: -3, outputMute: true, inputGain: 5, inputMute: false }, 'settingsTree round-trips through mergeSettings');
  const caps = capabilitiesTree() as any[];
  t.same(caps[0].outputs[0].connectionTypes[0].signalingTypes[0].gainValues, GAIN_RANGE.output);
  t.same(caps[0].inputs[0].connectionTypes[0].signalingTypes[0].gainValues, GAIN_RANGE.input);
});
