import { FRAME, FRAME_MS, rmsDbfs } from './pcm.js';

/** AlarmLevel's scale: 0 = −90 dBFS, 100 = 0 dBFS, linear in dB. */
export const levelOf = (dbfs: number) => Math.max(0, Math.min(100, Math.round(((dbfs + 90) * 100) / 90)));

/**
 * Sound level detection (`tns1:AudioSource/tnsaxis:TriggerLevel`): the microphone's level over
 * 100 ms windows against `AudioSource.A0.AlarmLevel`. It triggers at once when the level goes
 * above the threshold and releases only after a second below it (minus 3 points), so a sound with
 * pauses gives one event, not a flutter.
 */
export class LevelDetector {
  private acc: Int16Array[] = [];
  private accLen = 0;
  private triggered = false;
  private quietMs = 0;
  level = 0;

  constructor(
    private threshold: () => number,
    private readonly onChange: (triggered: boolean) => void,
    private readonly windowMs = 100,
    private readonly releaseMs = 1000,
  ) {}

  push(s: Int16Array): void {
    this.acc.push(s);
    this.accLen += s.length;
    const need = (this.windowMs / FRAME_MS) * FRAME;
    if (this.accLen < need) return;
    const all = new Int16Array(this.accLen);
    let o = 0;
    for (const a of this.acc) {
      all.set(a, o);
      o += a.length;
    }
    this.acc = [];
    this.accLen = 0;
    this.level = levelOf(rmsDbfs(all));
    const th = this.threshold();
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
