import { EventEmitter } from 'node:events';
import type { BoardCapabilities, BoardDrivers, LedState } from '../profile.js';

export const SIM_CAPABILITIES: BoardCapabilities = {
  audioOut: true,
  audioIn: true,
  leds: [{ name: 'status', colors: ['green', 'amber', 'red'] }],
  buttons: ['control'],
  switches: ['mic'],
  inputs: 0,
  outputs: 0,
  audioDevices: { speaker: 'sim', microphone: 'sim' },
};

/** The acoustic path between the simulated speaker and microphone (the model lands with audiod). */
export const ACOUSTIC_FAULTS = ['none', 'dead', 'attenuate', 'muffle', 'rattle'] as const;
export type AcousticFault = (typeof ACOUSTIC_FAULTS)[number];
export interface AcousticSettings {
  fault: AcousticFault;
  /** broadband loss for `attenuate`, dB */
  dB: number;
  /** corner frequency for `muffle`, Hz */
  cutoffHz: number;
  /** ambient noise level, dBFS at the microphone */
  noiseDb: number;
  /** random seed so a scenario repeats exactly */
  seed: number;
}
export const DEFAULT_ACOUSTIC: AcousticSettings = { fault: 'none', dB: 0, cutoffHz: 4000, noiseDb: -70, seed: 1 };

/**
 * Every driver of the simulated board in software: LEDs remember what was set, the control button
 * and the microphone switch are moved from the bench, and the acoustic settings are held here for
 * the audio path to read.
 */
export class SimDrivers implements BoardDrivers {
  private leds = new Map<string, LedState>();
  private buttons = new Map<string, boolean>();
  private switches = new Map<string, boolean>();
  private emitter = new EventEmitter();
  acoustic: AcousticSettings = { ...DEFAULT_ACOUSTIC };
  /** the simulated clock runs at the host's pace, shifted by what was set (lost at restart, like a board without RTC battery) */
  private clockOffsetMs = 0;

  constructor(readonly capabilities: BoardCapabilities = SIM_CAPABILITIES) {
    for (const l of capabilities.leds) this.leds.set(l.name, { color: l.colors[0] ?? 'green', mode: 'off' });
    for (const b of capabilities.buttons) this.buttons.set(b, false);
    for (const s of capabilities.switches) this.switches.set(s, true);
  }

  setLed(name: string, state: LedState): void {
    const cap = this.capabilities.leds.find((l) => l.name === name);
    if (!cap) throw new RangeError(`no LED '${name}'`);
    if (!cap.colors.includes(state.color)) throw new RangeError(`LED '${name}' has no colour '${state.color}'`);
    this.leds.set(name, { ...state });
  }
  led(name: string): LedState {
    const s = this.leds.get(name);
    if (!s) throw new RangeError(`no LED '${name}'`);
    return { ...s };
  }
  button(name: string): boolean {
    return this.buttons.get(name) ?? false;
  }
  onButton(fn: (name: string, pressed: boolean) => void) {
    this.emitter.on('button', fn);
    return () => void this.emitter.off('button', fn);
  }
  switchOn(name: string): boolean {
    return this.switches.get(name) ?? false;
  }
  onSwitch(fn: (name: string, on: boolean) => void) {
    this.emitter.on('switch', fn);
    return () => void this.emitter.off('switch', fn);
  }
  onAcoustic(fn: (s: AcousticSettings) => void) {
    this.emitter.on('acoustic', fn);
    return () => void this.emitter.off('acoustic', fn);
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }
  setClock(utcMs: number): void {
    this.clockOffsetMs = utcMs - Date.now();
  }

  /** bench side: move the button */
  setButton(name: string, pressed: boolean): void {
    if (!this.buttons.has(name)) throw new RangeError(`no button '${name}'`);
    if (this.buttons.get(name) === pressed) return;
    this.buttons.set(name, pressed);
    this.emitter.emit('button', name, pressed);
  }
  /** bench side: flip a switch */
  setSwitch(name: string, on: boolean): void {
    if (!this.switches.has(name)) throw new RangeError(`no switch '${name}'`);
    if (this.switches.get(name) === on) return;
    this.switches.set(name, on);
    this.emitter.emit('switch', name, on);
  }
  setAcoustic(s: AcousticSettings): void {
    this.acoustic = { ...s };
    this.emitter.emit('acoustic', this.acoustic);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
