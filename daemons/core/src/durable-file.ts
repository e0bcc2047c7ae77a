import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a load had to fall back to: `none` (the newest state, or nothing on disk yet), `copy` (one
 * copy was damaged or missing, the other held the newest state: nothing lost), `previous` (the old
 * single-file layout lost its current file: the state before the last write), `defaults` (nothing
 * readable was left).
 */
export type Fallback = 'none' | 'copy' | 'previous' | 'defaults';

export interface DurableLoad<T> {
  value: T | undefined;
  fallback: Fallback;
  /** what was wrong with the files, for the audit log */
  problems: string[];
  /** damaged files, to move aside (`quarantine`) before the next save overwrites them */
  damaged: string[];
  /** false when the caller should save at once: a copy damaged, missing or older, the old layout, or nothing on disk */
  clean: boolean;
  /** the value came from the old single-file layout (the next save converts it) */
  legacy: boolean;
}

interface Parsed<T> {
  value: T;
  seq: number;
  legacy: boolean;
}

/**
 * A JSON document kept on disk so that a write that returned survives a crash at any instant *and*
 * the later loss (truncation, garbage, deletion) of any one file. Shared by every daemon that must
 * never lose an acknowledged write (params, accounts, clips, …).
 *
 * The document is kept twice, `<base>.json` and `<base>.copy.json`, each as
 * `{"format","seq","sha256","body"}` where `sha256` covers the sequence number and the body. A save
 * writes both temporary files and fsyncs them, renames each over its copy, and fsyncs the folder
 * before it returns. A rename is atomic, so each copy is always the old or the new document whole;
 * after the folder fsync both hold the new one. A load takes the valid copy with the highest
 * sequence number. Files are mode 0600 in a 0700 folder.
 *
 * The layout before this one (`<base>.json` with `<base>.prev.json`, the state before the last
 * write, no sequence number) is still read, and removed by the first save.
 */
export class DurableFile<T> {
  readonly current: string;
  readonly copy: string;
  /** the old layout's second file */
  readonly previous: string;
  private seq: number | undefined;

  /** `check` returns what is wrong with a parsed body, or undefined when it is acceptable. */
  constructor(
    readonly dir: string,
    private readonly base: string,
    private readonly format: string,
    private readonly check: (body: unknown) => string | undefined,
  ) {
    this.current = join(dir, `${base}.json`);
    this.copy = join(dir, `${base}.copy.json`);
    this.previous = join(dir, `${base}.prev.json`);
  }

  save(value: T): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.seq === undefined) this.load();
    // a new number for every attempt, so a save that failed half-way never shares one with the next
    const seq = (this.seq = (this.seq ?? 0) + 1);
    const body = JSON.stringify(value);
    const text = Buffer.from(`{"format":"${this.format}","seq":${seq},"sha256":"${digest(seq, body)}","body":${body}}\n`);
    for (const f of [this.current, this.copy]) writeSynced(`${f}.tmp`, text);
    for (const f of [this.current, this.copy]) renameSync(`${f}.tmp`, f);
    fsyncDir(this.dir);
    if (existsSync(this.previous)) {
      unlinkSync(this.previous);
      fsyncDir(this.dir);
    }
  }

  /** Never throws for bad content: it reports and falls back. */
  load(): DurableLoad<T> {
    const problems: string[] = [];
    const damaged: string[] = [];
    const read = (file: string) => {
      const r = this.read(file);
      if ('problem' in r && r.problem !== 'missing') {
        problems.push(`${file}: ${r.problem}`);
        damaged.push(file);
      }
      return 'value' in r ? r : undefined;
    };
    const a = read(this.current);
    const b = read(this.copy);
    const legacy = (!a && !b) || (a?.legacy && !b);
    let best = [a, b].reduce<Parsed<T> | undefined>((x, y) => (y && (!x || y.seq > x.seq) ? y : x), undefined);
    let fallback: Fallback = 'none';
    if (legacy) {
      // the old layout: `<base>.json` alone (nothing to report) or its previous file
      if (!a && existsSync(this.previous)) {
        if (!problems.length) problems.push(`${this.current}: missing`);
        best = read(this.previous);
        if (best) fallback = 'previous';
      }
    } else {
      // a copy missing beside its temporary file is a first save cut short, not a loss
      for (const [f, p] of [[this.current, a], [this.copy, b]] as const) if (!p && !damaged.includes(f) && !existsSync(`${f}.tmp`)) problems.push(`${f}: missing`);
      if (problems.length) fallback = 'copy';
    }
    if (!best && problems.length) fallback = 'defaults';
    this.seq = Math.max(this.seq ?? 0, a?.seq ?? 0, b?.seq ?? 0);
    const clean = !!a && !!b && !a.legacy && a.seq === b.seq && !problems.length && !existsSync(this.previous);
    return { value: best?.value, fallback, problems, damaged, clean, legacy: !!best?.legacy };
  }

  /** Moves a damaged file aside (kept for inspection) so it is not mistaken for good later. */
  quarantine(file: string): void {
    try {
      renameSync(file, `${file}.corrupt`);
    } catch {
      /* already gone */
    }
  }

  private read(file: string): Parsed<T> | { problem: string } {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { problem: 'missing' };
      return { problem: `unreadable (${(err as NodeJS.ErrnoException).code})` };
    }
    const m = /^\{"format":"([^"]*)",(?:"seq":([1-9][0-9]{0,15}),)?"sha256":"([0-9a-f]{64})","body":(.*)\}\n?$/s.exec(text);
    if (!m) return { problem: `not a ${this.base} file (truncated or damaged)` };
    if (m[1] !== this.format) return { problem: `unknown format ${m[1]}` };
    const legacy = m[2] === undefined;
    const seq = legacy ? 0 : Number(m[2]);
    if ((legacy ? sha256(m[4]!) : digest(seq, m[4]!)) !== m[3]) return { problem: 'checksum mismatch' };
    let body: unknown;
    try {
      body = JSON.parse(m[4]!);
    } catch {
      return { problem: 'not valid JSON' };
    }
    const problem = this.check(body);
    return problem ? { problem } : { value: body as T, seq, legacy };
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
/** the checksum covers the sequence number too: a flipped digit must not make a stale copy look newest */
function digest(seq: number, body: string): string {
  return sha256(`${seq}:${body}`);
}

function writeSynced(file: string, buf: Buffer): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
