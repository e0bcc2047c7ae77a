import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BelfryError, DurableFile, type AuditLog, type Bus, type Client, type Logger, type ParamCache, type ParamdContract } from '@belfry/core';
import { analyzeClip } from './analyze.js';
import { FileBytes } from './file-bytes.js';
import { ClipError, probeClip, type ClipFormat } from './probe.js';
import { LossWatch, recoveredName, remeasure, setAside } from './recover.js';
import { measuredMeta } from './measured-meta.js';

export interface ClipMeta {
  id: number;
  file: string;
  format: ClipFormat;
  mime: string;
  bytes: number;
  durationMs: number;
  rate: number;
  channels: number;
  bitrateKbps?: number;
  /** ReplayGain track gain (dB to the 89 dB reference) and peak, measured at upload */
  gainDb: number | null;
  peak: number | null;
  uploaded: string;
  originalName: string;
  /** the clip's name when it was last seen in its param group: what re-registering it uses */
  name?: string;
}
export interface ClipInfo extends ClipMeta {
  name: string;
  location: string;
}

type Meta = Record<string, ClipMeta>;

/** What an upload may be: from params (MediaClip.*), read at each upload. */
export interface ClipLimits {
  maxUploadBytes: number;
  quotaBytes: number;
  maxDurationMs: number;
  maxClips: number;
}

export const CLIP_NAME_MAX = 64;
/** 1–64 characters, none of them a control character */
const validName = (s: string) => s.length >= 1 && s.length <= CLIP_NAME_MAX && ![...s].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);

export function locationOf(id: number, ext: string): string {
  return `/etc/audioclips/MediaClip.M${id}.${ext}`;
}

/**
 * The clip store. Audio files live in `<audiod state>/clips/<id>.<ext>`; what was measured about each
 * is in a durable `clips.json`; the names users see and edit are the params `MediaClip.M<id>.*`
 * (paramd owns those values; param.cgi may rename or remove a clip, and this store follows).
 *
 * Order of an upload, so a crash at any step leaves a consistent store after `reconcile`: the bytes
 * go to a temporary file as they arrive (`incoming`) → probe it → decode and measure it → add the param group → move the file to
 * its id → save the metadata → set the Location param. At start, temporary files and files
 * without metadata are removed (an upload that was never acknowledged), and so is a clip whose
 * param group was removed while audiod was down; a param group without audio is left (param.cgi
 * may create one) and plays as "no audio file". A lost store is never a reason to delete audio:
 * after paramd lost params, clips without a group are re-registered; after `clips.json` was lost,
 * the files are measured again (see `recover.ts`).
 */
export class ClipStore {
  readonly dir: string;
  private meta: Meta = {};
  private file: DurableFile<Meta>;
  private chain: Promise<unknown> = Promise.resolve();
  /** temporary files of uploads under way: a reconcile meanwhile leaves them */
  private readonly receiving = new Set<string>();

  private readonly loss: LossWatch;
  /** `clips.json` was lost: the files on disk are measured again at the next reconcile */
  private metaLost = false;

  constructor(
    private readonly stateDir: string,
    private readonly paramd: Client<ParamdContract>,
    private readonly params: ParamCache,
    private readonly log: Logger,
    private readonly audit: AuditLog,
    private readonly bus: Bus,
  ) {
    this.dir = join(stateDir, 'clips');
    this.file = new DurableFile<Meta>(stateDir, 'clips', 'belfry-clips-1', (b) => (b && typeof b === 'object' ? undefined : 'not an object'));
    this.loss = new LossWatch(stateDir);
  }

  /** Loads the metadata and reconciles files, metadata and params. Returns whether the store was empty on disk (first boot). */
  async init(): Promise<{ firstBoot: boolean }> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const loaded = this.file.load();
    for (const p of loaded.problems) this.audit.write('clips.store_damaged', { problem: p }, 'warn');
    for (const f of loaded.damaged) this.file.quarantine(f);
    this.meta = loaded.value ?? {};
    this.metaLost = loaded.fallback === 'defaults';
    if (loaded.value && !loaded.clean) this.file.save(this.meta);
    // a rename through param.cgi is remembered, so a lost group comes back under the name it had
    this.params.onChange('MediaClip', (c) => {
      let changed = false;
      for (const [k, v] of Object.entries(c)) {
        const m = /^MediaClip\.M(\d+)\.Name$/.exec(k);
        const meta = m && this.meta[Number(m[1])];
        if (meta && v !== null && meta.name !== v) changed = !!(meta.name = v);
      }
      if (changed) this.file.save(this.meta);
    });
    await this.loss.watch(this.bus, () => void this.reconcile().catch((err: Error) => this.log.error({ err: err.message }, 'clip reconcile failed')));
    const nothingOnDisk = loaded.value === undefined && loaded.fallback === 'none' && !readdirSync(this.dir).some((f) => /^\d+\./.test(f));
    await this.reconcile();
    return { firstBoot: nothingOnDisk };
  }

  /** serialises changes: uploads, removals and reconciliation never interleave */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  reconcile(): Promise<void> {
    return this.serial(async () => {
      const params = await this.params.list('MediaClip');
      const groups = new Set<number>();
      for (const k of Object.keys(params)) {
        const m = /^MediaClip\.M(\d+)\.Name$/.exec(k);
        if (m) groups.add(Number(m[1]));
      }
      const lossAt = this.loss.pending;
      const recover = !!lossAt || this.metaLost;
      let changed = await this.sweepFiles();
      const orphans: ClipMeta[] = [];
      for (const [id, m] of Object.entries(this.meta)) {
        if (!existsSync(join(this.dir, m.file))) {
          delete this.meta[id];
          changed = true;
        } else if (!groups.has(Number(id))) {
          if (recover) orphans.push(m);
          else {
            rmSync(join(this.dir, m.file), { force: true });
            delete this.meta[id];
            changed = true;
            this.log.info({ clip: Number(id) }, 'clip removed (its param group is gone)');
          }
        } else if (this.metaLost && !m.name) {
          m.name = params[`MediaClip.M${id}.Name`];
          changed = true;
        }
      }
      if (changed) this.file.save(this.meta);
      let failed = 0;
      for (const m of orphans.sort((a, b) => a.id - b.id)) {
        try {
          await this.reregister(m, lossAt ? 'paramd lost its configuration' : 'clips.json was lost');
        } catch (err) {
          // the clip stays on disk with its metadata, and the loss stays pending: the next reconcile tries again
          failed++;
          this.log.error({ clip: m.id, err: (err as Error).message }, 'clip not re-registered');
        }
      }
      if (!failed) {
        this.metaLost = false;
        if (lossAt) this.loss.done(lossAt);
      }
      const fix: Record<string, string> = {};
      const now = orphans.length ? await this.params.list('MediaClip') : params;
      for (const m of Object.values(this.meta)) {
        const loc = locationOf(m.id, extOf(m.file));
        if (now[`MediaClip.M${m.id}.Location`] !== loc) fix[`MediaClip.M${m.id}.Location`] = loc;
      }
      if (Object.keys(fix).length) await this.paramd.update({ changes: fix, level: 'internal' });
    });
  }

  /**
   * Files the metadata does not know: temporary files and (in a sound store) files of uploads never
   * acknowledged are removed; with `clips.json` lost each clip file is measured again, and one that
   * is not audio is set aside. Returns whether the metadata changed.
   */
  private async sweepFiles(): Promise<boolean> {
    const known = new Set(Object.values(this.meta).map((m) => m.file));
    let changed = false;
    for (const f of readdirSync(this.dir)) {
      if (known.has(f) || this.receiving.has(f)) continue;
      const m = /^(\d+)\.[a-z0-9]+$/.exec(f);
      if (!this.metaLost || !m || this.meta[Number(m[1])]) {
        rmSync(join(this.dir, f), { force: true });
        continue;
      }
      const meta = await remeasure(this.dir, f, Number(m[1]));
      if (meta) {
        this.meta[meta.id] = meta;
        changed = true;
      } else {
        const to = setAside(this.stateDir, this.dir, f);
        this.audit.write('clips.file_set_aside', { file: f, to, reason: 'not a playable clip' }, 'warn');
      }
    }
    return changed;
  }

  /** A clip whose group was lost gets a new group (paramd picks its number) under its last known name. */
  private async reregister(m: ClipMeta, why: string): Promise<void> {
    const name = recoveredName(m);
    const r = await this.paramd.add({ group: 'MediaClip', template: 'mediaclip', values: { Name: name }, level: 'internal' });
    const id = Number(r.instance.replace(/^M/, ''));
    const file = `${id}.${extOf(m.file)}`;
    if (id !== m.id) {
      renameSync(join(this.dir, m.file), join(this.dir, file));
      syncDir(this.dir);
      delete this.meta[m.id];
    }
    this.meta[id] = { ...m, id, file, name };
    this.file.save(this.meta);
    this.audit.write('clip.reregistered', { clip: id, was: m.id, name, reason: why }, 'warn');
    this.log.warn({ clip: id, was: m.id, name, reason: why }, 'clip re-registered: its param group was lost');
  }

  get usedBytes(): number {
    return Object.values(this.meta).reduce((n, m) => n + m.bytes, 0);
  }

  async list(): Promise<ClipInfo[]> {
    const out: ClipInfo[] = [];
    for (const [k, v] of Object.entries(await this.params.list('MediaClip'))) {
      const m = /^MediaClip\.M(\d+)\.Name$/.exec(k);
      if (!m) continue;
      const id = Number(m[1]);
      const meta = this.meta[id];
      if (meta) out.push({ ...meta, name: v, location: locationOf(id, extOf(meta.file)) });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async get(id: number): Promise<ClipInfo> {
    const name = await this.params.get(`MediaClip.M${id}.Name`);
    if (name === undefined) throw new BelfryError('not_found', `no clip ${id}`, { name: String(id) });
    const meta = this.meta[id];
    if (!meta) throw new BelfryError('failed_precondition', `clip ${id} has no audio file`, { name: String(id) });
    return { ...meta, name, location: locationOf(id, extOf(meta.file)) };
  }

  pathOf(m: ClipMeta): string {
    return join(this.dir, m.file);
  }

  /** `location` as clients send it: the Location param, its file name, or the uploaded file's name; `*` matches any run of characters */
  async findByLocation(location: string): Promise<ClipInfo[]> {
    const re = location.includes('*') ? new RegExp('^' + location.split('*').map(escapeRe).join('.*') + '$') : undefined;
    const hit = (s: string) => (re ? re.test(s) : s === location);
    return (await this.list()).filter((c) => hit(c.location) || hit(c.location.split('/').pop()!) || hit(c.originalName));
  }

  /**
   * A temporary file in the clips folder for an upload that is arriving: `upload` takes it over,
   * `discard` removes it when the upload fails before. One left by a crash is removed at start.
   */
  incoming(): { path: string; discard(): void } {
    const f = `incoming-${randomBytes(6).toString('hex')}.part`;
    this.receiving.add(f);
    const path = join(this.dir, f);
    return {
      path,
      discard: () => {
        rmSync(path, { force: true });
        this.receiving.delete(f);
      },
    };
  }

  /**
   * Stores a clip from bytes (factory clips) or from a file `incoming` gave (an upload; always
   * removed after). The file is probed and measured (a GStreamer decode, the clip's whole length)
   * as soon as it is here, concurrently with other uploads; only the commit — quota, id, files,
   * params — is serialised, in the order the uploads were called (the factory clips keep M0, M1, M2
   * while the three are measured at once: −2 decodes on a fresh boot's path).
   */
  upload(req: { name: string; filename: string; bytes: Buffer } | { name: string; filename: string; path: string }, limits: ClipLimits): Promise<{ clip: number; replaced: boolean }> {
    let tmp: string;
    if ('path' in req) tmp = req.path;
    else {
      tmp = this.incoming().path;
      writeFileSync(tmp, req.bytes, { mode: 0o600 });
    }
    const name = req.name.trim();
    const measured = measure(tmp, name, limits);
    measured.catch(() => undefined); // its error is the commit's (below)
    return this.serial(async () => {
      const { size, probe, analysis } = await measured;
      const same = (await this.list()).find((c) => c.name === name);
      const used = this.usedBytes - (same?.bytes ?? 0);
      if (used + size > limits.quotaBytes) {
        throw new BelfryError('limit_exceeded', `not enough clip storage: ${((limits.quotaBytes - used) / 1e6).toFixed(2)} MB free of ${(limits.quotaBytes / 1e6).toFixed(1)} MB`);
      }
      let id: number;
      if (same) id = same.id;
      else {
        const count = (await this.list()).length;
        if (count >= limits.maxClips) throw new BelfryError('limit_exceeded', `no room for more clips (at most ${limits.maxClips})`);
        const r = await this.paramd.add({ group: 'MediaClip', template: 'mediaclip', values: { Name: name }, level: 'internal' });
        id = Number(r.instance.replace(/^M/, ''));
      }
      const file = `${id}.${probe.extension}`;
      const old = this.meta[id];
      renameSync(tmp, join(this.dir, file));
      syncDir(this.dir);
      this.meta[id] = measuredMeta({ id, file, bytes: size, probe, analysis, originalName: req.filename.slice(0, 255), name });
      this.file.save(this.meta);
      if (old && old.file !== file) rmSync(join(this.dir, old.file), { force: true });
      await this.paramd.update({ changes: { [`MediaClip.M${id}.Location`]: locationOf(id, probe.extension) }, level: 'internal' });
      this.audit.write(same ? 'clip.replaced' : 'clip.uploaded', { clip: id, name, format: probe.format, bytes: size });
        return { clip: id, replaced: !!same };
    }).finally(() => {
      rmSync(tmp, { force: true });
      this.receiving.delete(basename(tmp));
    });
  }

  remove(id: number): Promise<void> {
    return this.serial(async () => {
      if ((await this.params.get(`MediaClip.M${id}.Name`)) === undefined) throw new BelfryError('not_found', `no clip ${id}`, { name: String(id) });
      await this.paramd.remove({ groups: [`MediaClip.M${id}`], level: 'internal' });
      this.forget(id);
      this.audit.write('clip.removed', { clip: id });
    });
  }

  /** the param group is gone: drop the audio */
  forget(id: number): void {
    const m = this.meta[id];
    if (!m) return;
    delete this.meta[id];
    this.file.save(this.meta);
    rmSync(join(this.dir, m.file), { force: true });
  }

  async rename(id: number, name: string): Promise<void> {
    name = name.trim();
    if (!validName(name)) throw new BelfryError('invalid_argument', `a clip name is 1–${CLIP_NAME_MAX} characters without control characters`, { name: 'name' });
    if ((await this.params.get(`MediaClip.M${id}.Name`)) === undefined) throw new BelfryError('not_found', `no clip ${id}`, { name: String(id) });
    await this.paramd.update({ changes: { [`MediaClip.M${id}.Name`]: name }, level: 'internal' });
    const meta = this.meta[id];
    if (meta && meta.name !== name) {
      meta.name = name;
      this.file.save(this.meta);
    }
  }

  read(m: ClipMeta): Buffer {
    return readFileSync(this.pathOf(m));
  }
}

function extOf(file: string): string {
  return file.slice(file.lastIndexOf('.') + 1);
}
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A clip file's checks and measurements before it is stored: name, size, probe (head and tail), analysis (a decode). */
async function measure(tmp: string, name: string, limits: ClipLimits): Promise<{ size: number; probe: ReturnType<typeof probeClip>; analysis: Awaited<ReturnType<typeof analyzeClip>> }> {
  if (!validName(name)) throw new BelfryError('invalid_argument', `a clip name is 1–${CLIP_NAME_MAX} characters without control characters`, { name: 'name' });
  const size = statSync(tmp).size;
  if (size > limits.maxUploadBytes) throw new BelfryError('too_large', `the file is larger than the upload limit (${(limits.maxUploadBytes / 1e6).toFixed(1)} MB)`);
  try {
    // reads the head and tail it needs, never the whole file
    const probe = FileBytes.with(tmp, (b) => probeClip(b, { maxDurationMs: limits.maxDurationMs }));
    return { size, probe, analysis: await analyzeClip(tmp, { maxDurationMs: limits.maxDurationMs }) };
  } catch (err) {
    if (err instanceof ClipError) throw new BelfryError('invalid_argument', err.message);
    throw err;
  }
}
