import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const STORE_FORMAT = 'belfry-params';

export interface StoredState {
  schemaVersion: number;
  rev: number;
  values: Record<string, string>;
}

export interface LoadResult {
  state: StoredState | undefined;
  /** which file the state came from */
  source: 'current' | 'previous' | 'none';
  /** what was wrong with the files passed over, for the audit log */
  problems: string[];
}

/**
 * The parameter store on disk: `params.json` and the one before it, `params.prev.json`.
 *
 * A save writes `params.json.tmp`, fsyncs it, hard-links the current file to `params.prev.json`
 * (so a current file exists at every instant), renames the temporary file over `params.json` and
 * fsyncs the folder. Without a current file (the first save, or one moved aside as damaged) the
 * previous file is left alone: until the rename it may be the only good state on disk. A crash at
 * any instant leaves the old or the new state whole, and a save that returned is on disk. Each
 * file carries a SHA-256 of its content, so a torn or bit-flipped file is recognised on load and
 * the previous one is used instead.
 */
export class StoreFile {
  readonly current: string;
  readonly previous: string;
  private readonly tmp: string;

  constructor(readonly dir: string) {
    this.current = join(dir, 'params.json');
    this.previous = join(dir, 'params.prev.json');
    this.tmp = join(dir, 'params.json.tmp');
  }

  save(state: StoredState): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const body = JSON.stringify({ schemaVersion: state.schemaVersion, rev: state.rev, values: state.values });
    const text = `{"format":"${STORE_FORMAT}","sha256":"${sha256(body)}","body":${body}}\n`;
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
  load(): LoadResult {
    const problems: string[] = [];
    for (const [source, file] of [
      ['current', this.current],
      ['previous', this.previous],
    ] as const) {
      const r = readState(file);
      if ('state' in r) return { state: r.state, source, problems };
      if (r.problem !== 'missing') problems.push(`${file}: ${r.problem}`);
    }
    return { state: undefined, source: 'none', problems };
  }

  /** Moves a damaged file aside (kept for inspection) so it is not mistaken for good later. */
  quarantine(file: string): void {
    try {
      renameSync(file, `${file}.corrupt`);
    } catch {
      /* already gone */
    }
  }
}

function readState(file: string): { state: StoredState } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { problem: 'missing' };
    return { problem: `unreadable (${(err as NodeJS.ErrnoException).code})` };
  }
  const m = /^\{"format":"([^"]*)","sha256":"([0-9a-f]{64})","body":(.*)\}\n?$/s.exec(text);
  if (!m) return { problem: 'not a params file (truncated or damaged)' };
  if (m[1] !== STORE_FORMAT) return { problem: `unknown format ${m[1]}` };
  if (sha256(m[3]!) !== m[2]) return { problem: 'checksum mismatch' };
  let body: unknown;
  try {
    body = JSON.parse(m[3]!);
  } catch {
    return { problem: 'not valid JSON' };
  }
  const b = body as Partial<StoredState>;
  if (!b || typeof b !== 'object' || !Number.isInteger(b.schemaVersion) || !Number.isInteger(b.rev) || !b.values || typeof b.values !== 'object') {
    return { problem: 'missing fields' };
  }
  for (const v of Object.values(b.values)) if (typeof v !== 'string') return { problem: 'a value is not a string' };
  return { state: b as StoredState };
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
