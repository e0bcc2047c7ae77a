import { DurableFile } from '@belfry/core';

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
 * The parameter store on disk: `params.json` and the one before it, `params.prev.json`, written
 * crash-safe by core's `DurableFile` (see there for the protocol).
 */
export class StoreFile {
  private readonly file: DurableFile<StoredState>;

  constructor(readonly dir: string) {
    this.file = new DurableFile<StoredState>(dir, 'params', STORE_FORMAT, checkState);
  }

  get current(): string {
    return this.file.current;
  }
  get previous(): string {
    return this.file.previous;
  }

  save(state: StoredState): void {
    this.file.save({ schemaVersion: state.schemaVersion, rev: state.rev, values: state.values });
  }

  load(): LoadResult {
    const r = this.file.load();
    return { state: r.value, source: r.source, problems: r.problems };
  }

  quarantine(file: string): void {
    this.file.quarantine(file);
  }
}

function checkState(body: unknown): string | undefined {
  const b = body as Partial<StoredState>;
  if (!b || typeof b !== 'object' || !Number.isInteger(b.schemaVersion) || !Number.isInteger(b.rev) || !b.values || typeof b.values !== 'object') {
    return 'missing fields';
  }
  for (const v of Object.values(b.values)) if (typeof v !== 'string') return 'a value is not a string';
  return undefined;
}
