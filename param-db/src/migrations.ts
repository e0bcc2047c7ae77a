/**
 * Stored params are migrated by schema version when firmware changes what it stores: a renamed
 * param, a changed encoding. A migration takes the stored values of version `from` and returns those
 * of `from + 1`. Values for params this firmware does not define are dropped after migrating (with an
 * audit line), values that no longer pass their definition go back to the default.
 */
export interface Migration {
  from: number;
  describe: string;
  migrate(values: Record<string, string>): Record<string, string>;
}

export const SCHEMA_VERSION = 1;

export const MIGRATIONS: Migration[] = [];

export function migrate(
  values: Record<string, string>,
  from: number,
  to: number,
  migrations: Migration[],
): { values: Record<string, string>; applied: string[] } {
  if (from > to) throw new Error(`stored schema ${from} is newer than this firmware's ${to}`);
  const applied: string[] = [];
  let v = values;
  for (let ver = from; ver < to; ver++) {
    const m = migrations.find((x) => x.from === ver);
    if (!m) throw new Error(`no migration from schema ${ver}`);
    v = m.migrate({ ...v });
    applied.push(`${ver}→${ver + 1}: ${m.describe}`);
  }
  return { values: v, applied };
}
