import { DurableFile, type Fallback } from '@belfry/core';

export const STORE_FORMAT = 'belfry-params';

export interface StoredState {
  schemaVersion: number;
  rev: number;
  values: Record<string, string>;
}

export interface LoadResult {
  state: StoredState | undefined;
  /** what the load fell back to (see core's `Fallback`) */
  fallback: Fallback;
  /** what was wrong with the files, for the audit log */
  problems: string[];
  /** damaged files, moved aside before the next save */
  damaged: string[];
  /** false when the store must be saved at once (a copy to repair, the old layout, nothing on disk) */
  clean: boolean;
  /** the state came from the old layout (`params.json` + `params.prev.json`) */
  legacy: boolean;
}

/**
 * The parameter store on disk: two copies, `params.json` and `params.copy.json`, written by core's
 * `DurableFile` (see there for the protocol); the old `params.json` + `params.prev.json` layout
 * still loads and is converted by the first save.
 */
export class StoreFile {
  private readonly file: DurableFile<StoredState>;

  constructor(readonly dir: string) {
    this.file = new DurableFile<StoredState>(dir, 'params', STORE_FORMAT, checkState);
  }

  get current(): string {
    return this.file.current;
  }
  get copy(): string {
    return this.file.copy;
  }
  get previous(): string {
    return this.file.previous;
  }

  save(state: StoredState): void {
    this.file.save({ schemaVersion: state.schemaVersion, rev: state.rev, values: state.values });
  }

  load(): LoadResult {
    const r = this.file.load();
    return { state: r.value, fallback: r.fallback, problems: r.problems, damaged: r.damaged, clean: r.clean, legacy: r.legacy };
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
