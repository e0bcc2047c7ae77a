import { BelfryError } from '@belfry/core';

/**
 * The VAPIX "audio device control" tree (§2.10) over the params that hold the values
 * (`AudioSource.A0.{Output,Input}{Gain,Mute}`). One device, one input (the microphone), one output
 * (the speaker), each with one connection type, one signaling type and one channel.
 */
export const GAIN_RANGE = { output: { min: -60, max: 6, step: 1 }, input: { min: -20, max: 30, step: 1 } } as const;

export interface DeviceValues {
  outputGain: number;
  outputMute: boolean;
  inputGain: number;
  inputMute: boolean;
}

export const PARAM_OF: Record<keyof DeviceValues, string> = {
  outputGain: 'AudioSource.A0.OutputGain',
  outputMute: 'AudioSource.A0.OutputMute',
  inputGain: 'AudioSource.A0.InputGain',
  inputMute: 'AudioSource.A0.InputMute',
};

export function settingsTree(v: DeviceValues): unknown[] {
  return [
    {
      id: '0',
      name: 'Audio Device',
      inputs: [
        {
          id: '0',
          name: 'Microphone',
          connectionTypeSelected: 'internal',
          connectionTypes: [{ id: 'internal', signalingTypeSelected: 'unbalanced', signalingTypes: [{ id: 'unbalanced', powerType: 'none', channels: [{ id: 0, gain: v.inputGain, mute: v.inputMute }] }] }],
        },
      ],
      outputs: [
        {
          id: '0',
          name: 'Speaker',
          connectionTypeSelected: 'internal',
          connectionTypes: [{ id: 'internal', signalingTypeSelected: 'unbalanced', signalingTypes: [{ id: 'unbalanced', channels: [{ id: 0, gain: v.outputGain, mute: v.outputMute }] }] }],
        },
      ],
    },
  ];
}

export function capabilitiesTree(): unknown[] {
  const ch = { id: 0, mute: true };
  return [
    {
      id: '0',
      name: 'Audio Device',
      inputs: [
        {
          id: '0',
          name: 'Microphone',
          connectionTypes: [{ id: 'internal', signalingTypes: [{ id: 'unbalanced', powerTypes: ['none'], gainValues: GAIN_RANGE.input, channels: [ch] }] }],
        },
      ],
      outputs: [{ id: '0', name: 'Speaker', connectionTypes: [{ id: 'internal', signalingTypes: [{ id: 'unbalanced', gainValues: GAIN_RANGE.output, channels: [ch] }] }] }],
    },
  ];
}

const bad = (msg: string) => new BelfryError('invalid_argument', msg);
const sameId = (a: unknown, b: string) => (typeof a === 'string' || typeof a === 'number') && String(a) === b;
function list(v: unknown, what: string): Record<string, unknown>[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => !x || typeof x !== 'object')) throw bad(`"${what}" must be a list of objects`);
  return v as Record<string, unknown>[];
}
function pick(items: Record<string, unknown>[], id: string, what: string): void {
  for (const it of items) if (!sameId(it.id, id)) throw bad(`unknown ${what} id ${JSON.stringify(it.id)}`);
}

/**
 * Merges a partial settings tree into the current values. Every id must name what exists (as a
 * string or a number: K521 sends the channel id as "0"); a gain out of range or a mute that is not
 * a boolean is refused, and nothing changes then.
 */
export function mergeSettings(devices: unknown): Partial<DeviceValues> {
  const out: Partial<DeviceValues> = {};
  for (const dev of list(devices, 'devices')) {
    pick([dev], '0', 'device');
    for (const [side, key] of [
      ['inputs', 'input'],
      ['outputs', 'output'],
    ] as const) {
      for (const io of list(dev[side], side)) {
        pick([io], '0', key);
        for (const ct of list(io.connectionTypes, 'connectionTypes')) {
          pick([ct], 'internal', 'connection type');
          for (const st of list(ct.signalingTypes, 'signalingTypes')) {
            pick([st], 'unbalanced', 'signaling type');
            if (st.powerType !== undefined && st.powerType !== 'none') throw bad(`unsupported power type ${JSON.stringify(st.powerType)}`);
            for (const ch of list(st.channels, 'channels')) {
              pick([ch], '0', 'channel');
              if (ch.gain !== undefined) {
                const r = GAIN_RANGE[key];
                if (typeof ch.gain !== 'number' || !Number.isInteger(ch.gain) || ch.gain < r.min || ch.gain > r.max) throw bad(`${key} gain must be an integer from ${r.min} to ${r.max} dB`);
                out[`${key}Gain`] = ch.gain;
              }
              if (ch.mute !== undefined) {
                if (typeof ch.mute !== 'boolean') throw bad('mute must be true or false');
                out[`${key}Mute`] = ch.mute;
              }
            }
          }
        }
      }
    }
  }

  return out;
}
