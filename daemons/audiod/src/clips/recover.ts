import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DurableFile, PARAMD_STORAGE, type Bus } from '@belfry/core';
import { analyzeClip } from './analyze.js';
import { DEFAULT_CLIPS } from './default-clips.js';
import { probeClip } from './probe.js';
import type { ClipMeta } from './store.js';
import { measuredMeta } from './measured-meta.js';

/**
 * Clips whose param group was lost are re-registered, never deleted: the audio and what was
 * measured about it (`clips.json`) are the user's data, the `MediaClip.M<n>` group only its
 * catalogue entry. Quarantining them instead would hide playable clips from the user until someone
 * digs them out by hand; a re-registered clip the user did not want costs one click to remove.
 *
 * A missing group alone does not tell a loss from a removal done while audiod was down, so clips
 * are re-registered only when paramd announces (retained `belfry/notify/paramd/storage`) a loss that
 * audiod has not yet handled; the time of the last handled loss is kept in
 * `clips-recovery.json`. Without such a loss a group-less clip was removed on purpose.
 */
export interface StorageNews {
  fallback: string;
  at: string | null;
  lost: boolean;
}

export class LossWatch {
  private last: StorageNews | undefined;
  private readonly file: DurableFile<{ handledLossAt: string | null }>;
  private handled: string | null;

  constructor(stateDir: string) {
    this.file = new DurableFile(stateDir, 'clips-recovery', 'belfry-clips-recovery-1', (b) => (b && typeof b === 'object' ? undefined : 'not an object'));
    this.handled = this.file.load().value?.handledLossAt ?? null;
  }

  /** Follows paramd's announcement; `onLoss` runs for each new loss. Resolves once the retained value arrived (or 2 s passed: an old paramd). */
  async watch(bus: Bus, onLoss: () => void): Promise<void> {
    let first: () => void = () => undefined;
    const arrived = new Promise<void>((r) => (first = r));
    await bus.subscribe(PARAMD_STORAGE, (_t, p) => {
      try {
        this.last = JSON.parse(p.toString('utf8')) as StorageNews;
      } catch {
        return;
      }
      first();
      if (this.pending) onLoss();
    });
    await Promise.race([arrived, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** paramd lost params after the last loss audiod handled */
  get pending(): string | undefined {
    const l = this.last;
    return l?.lost && l.at && l.at !== this.handled ? l.at : undefined;
  }

  done(at: string): void {
    this.handled = at;
    this.file.save({ handledLossAt: at });
  }
}

/** The name a re-registered clip gets: its last known name, a factory clip's own, or its file's. */
export function recoveredName(m: ClipMeta): string {
  if (m.name) return m.name;
  const factory = DEFAULT_CLIPS.find((c) => c.filename === m.originalName);
  if (factory) return factory.name;
  const base = m.originalName.replace(/\.[^.]*$/, '').trim().slice(0, 64);
  return base && ![...base].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127) ? base : `Recovered clip ${m.id}`;
}

/**
 * Measures a clip file again when its metadata is lost too (both copies of `clips.json`): the same
 * probe and decode as an upload. A factory clip is known by its bytes. Undefined if it is not audio.
 */
export async function remeasure(dir: string, file: string, id: number): Promise<ClipMeta | undefined> {
  const path = join(dir, file);
  const bytes = readFileSync(path);
  try {
    const probe = probeClip(bytes, { maxDurationMs: 3_600_000 });
    const analysis = await analyzeClip(path, { maxDurationMs: 3_600_000 });
    const factory = DEFAULT_CLIPS.find((c) => c.make().equals(bytes));
    return measuredMeta({ id, file, bytes: bytes.length, probe, analysis, originalName: factory?.filename ?? file, name: factory?.name ?? `Recovered clip ${id}` });
  } catch {
    return undefined;
  }
}

/** A file that cannot be re-registered is moved to `<state>/clips-lost/`, never deleted. */
export function setAside(stateDir: string, dir: string, file: string): string {
  const lost = join(stateDir, 'clips-lost');
  mkdirSync(lost, { recursive: true, mode: 0o700 });
  const to = join(lost, `${Date.now()}-${file}`);
  renameSync(join(dir, file), to);
  return to;
}
