import { FRAME, FRAME_MS } from './pcm.js';

/** AlarmLevel's scale: 0 = −90 dBFS, 100 = 0 dBFS, linear in dB. */
export const levelOf = (dbfs: number) => Math.max(0, Math.min(100, Math.round(((dbfs + 90) * 100) / 90)));

/** Points under the threshold (9 dB) every window of a batch stays for the room to count as calm. */
export const CALM_MARGIN = 10;

/**
 * Sound level detection (`tns1:AudioSource/tnsaxis:TriggerLevel`): the microphone's level over
 * 100 ms windows against `AudioSource.A0.AlarmLevel`. It triggers at once when the level goes
 * above the threshold and releases only after a second below it (minus 3 points), so a sound with
 * pauses gives one event, not a flutter. Samples may come in any batch size (the microphone's idle
 * period is longer than a window): each window is exactly `windowMs` of samples, the rest carries
 * over, so thresholds and hysteresis do not depend on how the samples arrive. `calm` says whether
 * the last batch stayed far below the threshold (and nothing is triggered): then the microphone may
 * come in longer periods — the events are the same, only reported up to a period later.
 */
export class LevelDetector {
  private sumSq = 0;
  private count = 0;
  private triggered = false;
  private quietMs = 0;
  /** the smallest margin under the threshold of the windows of the batch being pushed */
  private closest = Infinity;
  private calmNow = false;
  private readonly windowSamples: number;
  level = 0;

  constructor(
    private threshold: () => number,
    private readonly onChange: (triggered: boolean) => void,
    private readonly windowMs = 100,
    private readonly releaseMs = 1000,
  ) {
    this.windowSamples = (windowMs / FRAME_MS) * FRAME;
  }

  push(s: Int16Array): void {
    let acc = this.sumSq;
    let n = this.count;
    this.closest = Infinity;
    for (let i = 0; i < s.length; i++) {
      acc += s[i]! * s[i]!;
      if (++n < this.windowSamples) continue;
      this.window(acc, n);
      acc = 0;
      n = 0;
    }
    this.sumSq = acc;
    this.count = n;
    // a batch shorter than a window says nothing new
    if (this.closest !== Infinity) this.calmNow = !this.triggered && this.closest >= CALM_MARGIN;
  }

  /** the last batch's windows were all at least CALM_MARGIN under the threshold, and nothing is triggered */
  get calm(): boolean {
    return this.calmNow;
  }

  private window(sumSq: number, n: number): void {
    const rms = Math.sqrt(sumSq / n) / 32768;
    this.level = levelOf(rms > 1e-6 ? 20 * Math.log10(rms) : -120);
    const th = this.threshold();
    this.closest = Math.min(this.closest, th - this.level);
    if (!this.triggered && this.level > th) {
      this.triggered = true;
      this.quietMs = 0;
      this.onChange(true);
    } else if (this.triggered) {
      if (this.level <= th - 3) this.quietMs += this.windowMs;
      else this.quietMs = 0;
      if (this.quietMs >= this.releaseMs) {
        this.triggered = false;
        this.onChange(false);
      }
    }
  }

  get isTriggered(): boolean {
    return this.triggered;
  }
}
