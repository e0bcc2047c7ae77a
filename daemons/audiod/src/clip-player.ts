import { BelfryError, type EventPublisher, type Logger, type ParamCache } from '@belfry/core';
import { ClipSource } from './clip-source.js';
import type { ClipInfo, ClipStore } from './clips/store.js';
import type { AudiodContract } from './contract.js';
import type { AudioEngine } from './engine/index.js';
import type { Mixer } from './mixer.js';
import { dbToGain } from './pcm.js';

export const PLAYING = 'tnsaxis:MediaClip/tnsaxis:Playing';
export const CURRENTLY = 'tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying';
/** the output every clip plays on (one device, one output; `AudioOutput` is the deprecated form) */
export const OUTPUT_SOURCE = { AudioOutput: 0, audiodeviceid: 0, audiooutputid: 0 };

type PlayRequest = Parameters<AudiodContract['play']>[0];

/**
 * Plays clips through the mixer: finds the clip (by number or location), applies volume and the
 * loudness normalisation, and keeps the `Playing` state and `CurrentlyPlaying` events true to what
 * the speaker does.
 */
export class ClipPlayer {
  private playing: { src: ClipSource; clip: ClipInfo } | undefined;
  /** request → first sample at the speaker, for the last clip played (ms) */
  lastStartLatencyMs: number | null = null;

  constructor(
    private readonly d: { store: ClipStore; mixer: Mixer; engine: () => AudioEngine; params: ParamCache; events: EventPublisher; log: Logger },
  ) {
    d.events.setState(PLAYING, OUTPUT_SOURCE, { Playing: false });
  }

  /** the clip that plays now */
  get current(): ClipInfo | undefined {
    return this.playing && this.d.mixer.active === this.playing.src ? this.playing.clip : undefined;
  }

  /** stops clip `id` if it is the one playing */
  stopClip(id: number): void {
    const p = this.playing;
    if (p?.clip.id === id) this.d.mixer.stop((s) => s === p.src);
  }

  private async gain(c: ClipInfo, volume: number): Promise<number> {
    let g = volume / 100;
    if ((await this.d.params.get('MediaClip.NormalizeLoudness')) === 'yes' && c.gainDb !== null) {
      // ReplayGain's reference is -18 LUFS; never push the clip's peak past full scale
      const target = Number((await this.d.params.get('MediaClip.LoudnessTarget')) ?? -18);
      let db = c.gainDb + ((Number.isFinite(target) ? target : -18) + 18);
      if (c.peak && c.peak > 0) db = Math.min(db, -20 * Math.log10(c.peak));
      g *= dbToGain(db);
    }
    return g;
  }

  async play(p: PlayRequest): Promise<{ clip: number }> {
    const { store, mixer, events, log } = this.d;
    const t0 = performance.now();
    if ((p.audiodeviceid === undefined) !== (p.audiooutputid === undefined)) throw new BelfryError('invalid_argument', 'audiodeviceid and audiooutputid must be given together');
    if (p.audiooutput !== undefined && p.audiodeviceid !== undefined) throw new BelfryError('invalid_argument', 'audiooutput cannot be combined with audiodeviceid and audiooutputid');
    if ((p.audiodeviceid !== undefined && (p.audiodeviceid !== 0 || p.audiooutputid !== 0)) || (p.audiooutput !== undefined && p.audiooutput !== 1)) {
      throw new BelfryError('not_found', 'no such audio output');
    }
    let clip: ClipInfo;
    if (p.clip !== undefined) clip = await store.get(p.clip);
    else if (p.location !== undefined) {
      const hits = await store.findByLocation(p.location);
      if (!hits.length) throw new BelfryError('not_found', `no clip at '${p.location}'`, { name: 'location' });
      clip = hits[Math.floor(Math.random() * hits.length)]!;
    } else throw new BelfryError('invalid_argument', 'clip or location is required');
    mixer.check('clip');
    const src = new ClipSource(this.d.engine(), store.pathOf(clip), p.repeat ?? 0, await this.gain(clip, p.volume ?? 100));
    try {
      await src.prepare();
    } catch (err) {
      src.ended('error');
      log.warn({ clip: clip.id, err: (err as Error).message }, 'clip could not be decoded');
      throw new BelfryError('internal', `clip ${clip.id} could not be played: ${(err as Error).message}`);
    }
    src.onStart = () => events.emit(CURRENTLY, { source: OUTPUT_SOURCE, data: { FileName: clip.location } });
    src.onFirstSample = (at) => (this.lastStartLatencyMs = Math.round((at - t0) * 10) / 10);
    src.onEnded = (reason, detail) => {
      if (this.playing?.src === src) {
        this.playing = undefined;
        events.setState(PLAYING, OUTPUT_SOURCE, { Playing: false });
      }
      if (reason === 'error') log.warn({ clip: clip.id, detail }, 'clip playback failed');
    };
    try {
      // checked again: something of a higher priority may have started while the clip was prepared
      mixer.play(src);
    } catch (err) {
      src.onEnded = () => undefined;
      src.ended('stopped');
      throw err;
    }
    this.playing = { src, clip };
    // a clip replacing a clip: the old one's end was reported first, then Playing turns true again
    events.setState(PLAYING, OUTPUT_SOURCE, { Playing: true });
    return { clip: clip.id };
  }
}
