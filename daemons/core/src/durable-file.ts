import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface DurableLoad<T> {
  value: T | undefined;
  /** which file the value came from */
  source: 'current' | 'previous' | 'none';
  /** what was wrong with the files passed over, for the audit log */
  problems: string[];
}

/**
 * A JSON document kept crash-safe on disk: `<base>.json` and the one before it, `<base>.prev.json`.
 * Shared by every daemon that must never lose an acknowledged write (params, accounts, …).
 *
 * A save writes `<base>.json.tmp`, fsyncs it, hard-links the current file to the previous one (so a
 * current file exists at every instant), renames the temporary file over the current one and fsyncs
 * the folder. Without a current file (the first save, or one moved aside as damaged) the previous
 * file is left alone: until the rename it may be the only good state on disk. A crash at any
 * instant leaves the old or the new document whole, and a save that returned is on disk. Each file
 * carries a SHA-256 of its body, so a torn or bit-flipped file is recognised on load and the
 * previous one is used instead. Files are mode 0600 in a 0700 folder.
 */
export class DurableFile<T> {
  readonly current: string;
  readonly previous: string;
  private readonly tmp: string;

  /** `check` returns what is wrong with a parsed body, or undefined when it is acceptable. */
  constructor(
    readonly dir: string,
    private readonly base: string,
    private readonly format: string,
    private readonly check: (body: unknown) => string | undefined,
  ) {
    this.current = join(dir, `${base}.json`);
    this.previous = join(dir, `${base}.prev.json`);
    this.tmp = join(dir, `${base}.json.tmp`);
  }

  save(value: T): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const body = JSON.stringify(value);
    const text = `{"format":"${this.format}","sha256":"${sha256(body)}","body":${body}}\n`;
    const fd = openSync(this.tmp, 'w', 0o600);
    try {
      const buf = Buffer.from(text);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (existsSync(this.current)) {
      try {
        unlinkSync(this.previous);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      try {
        linkSync(this.current, this.previous);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    renameSync(this.tmp, this.current);
    fsyncDir(this.dir);
  }

  /** Never throws for bad content: it reports and falls back. */
  load(): DurableLoad<T> {
    const problems: string[] = [];
    for (const [source, file] of [
      ['current', this.current],
      ['previous', this.previous],
    ] as const) {
      const r = this.read(file);
      if ('value' in r) return { value: r.value, source, problems };
      if (r.problem !== 'missing') problems.push(`${file}: ${r.problem}`);
    }
    return { value: undefined, source: 'none', problems };
  }

  /** Moves a damaged file aside (kept for inspection) so it is not mistaken for good later. */
  quarantine(file: string): void {
    try {
      renameSync(file, `${file}.corrupt`);
    } catch {
      /* already gone */
    }
  }

  private read(file: string): { value: T } | { problem: string } {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { problem: 'missing' };
      return { problem: `unreadable (${(err as NodeJS.ErrnoException).code})` };
    }
    const m = /^\{"format":"([^"]*)","sha256":"([0-9a-f]{64})","body":(.*)\}\n?$/s.exec(text);
    if (!m) return { problem: `not a ${this.base} file (truncated or damaged)` };
    if (m[1] !== this.format) return { problem: `unknown format ${m[1]}` };
    if (sha256(m[3]!) !== m[2]) return { problem: 'checksum mismatch' };
    let body: unknown;
    try {
      body = JSON.parse(m[3]!);
    } catch {
      return { problem: 'not valid JSON' };
    }
    const problem = this.check(body);
    return problem ? { problem } : { value: body as T };
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
