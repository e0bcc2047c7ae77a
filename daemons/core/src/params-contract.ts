/**
 * The paramd service contract, shared by paramd (which implements it) and every caller. Names travel
 * without the `root.` prefix (`Network.HTTP.Port`); values are VAPIX strings (`yes`/`no`, decimal).
 */
export const LEVELS = ['anonymous', 'viewer', 'operator', 'admin', 'internal'] as const;
export type Level = (typeof LEVELS)[number];
/** Axis security digits: anonymous 0, viewer 1, operator 4, admin 6, root/internal 7. */
export const LEVEL_DIGIT: Record<Level, number> = { anonymous: 0, viewer: 1, operator: 4, admin: 6, internal: 7 };

export interface ParamValues {
  [name: string]: string;
}

export interface ParamDefinitionEntry {
  name: string;
  value?: string;
  type: string;
  niceName?: string;
  /** four Axis digits: create, delete, read, write */
  securityLevel: string;
  readonly: boolean;
  const: boolean;
  secret: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
  values?: string[];
}

export type ParamdContract = {
  /** Params under the given groups (wildcards allowed); all readable params when `groups` is absent. */
  list(p: { groups?: string[]; level?: Level }): { rev: number; params: ParamValues };
  /**
   * Named params; unknown names fail with not_found unless `missingOk`, which leaves them out.
   * Secrets are answered only to their owning daemon.
   */
  get(p: { names: string[]; level?: Level; missingOk?: boolean }): { rev: number; params: ParamValues };
  /** All-or-nothing batch. Errors name the first failing param. */
  update(p: { changes: ParamValues; level?: Level }): { rev: number };
  /** Adds an instance of a dynamic group from a template; answers its id (`M3`). */
  add(p: { group: string; template: string; values?: ParamValues; level?: Level }): { rev: number; instance: string };
  /** Removes instances of dynamic groups (`MediaClip.M3`). */
  remove(p: { groups: string[]; level?: Level }): { rev: number };
  definitions(p: { groups?: string[]; level?: Level }): { rev: number; entries: ParamDefinitionEntry[] };
  /** Back to defaults, keeping `keepOnRestore` params. */
  restore(p: Record<string, never>): { rev: number };
  /** Back to defaults, everything. */
  factoryDefault(p: Record<string, never>): { rev: number };
};

/** Published on `belfry/notify/paramd/changed` after a batch is durable. `null` = removed. */
export interface ParamChange {
  rev: number;
  changes: Record<string, string | null>;
  /** names of secret params that changed; their values never travel */
  secret?: string[];
}

/** What an owning daemon answers when paramd asks whether it can apply a change. */
export type ParamVetoContract = {
  paramVeto(p: { changes: Record<string, string | null> }): { ok: true };
};
