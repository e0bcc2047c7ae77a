import type { Level } from '@belfry/core';

export type ParamType = 'string' | 'int' | 'float' | 'bool' | 'enum' | 'list' | 'ip';

/**
 * One parameter's definition (docs/architecture.md, parameters). Values are VAPIX strings. `default` may hold `${key}`
 * placeholders filled from the board identity and firmware (`${board.serialNumber}`) or, in a
 * template, the instance number (`${n}`).
 */
export interface ParamDef {
  type: ParamType;
  default: string;
  read: Level;
  /** `internal`: only daemons may write it */
  write: Level;
  owner: string;
  niceName?: string;
  /** int/float range */
  min?: number;
  max?: number;
  /** string/list length limit in characters (a hard cap applies anyway) */
  maxLength?: number;
  /** enum values, or allowed items of a list */
  values?: string[];
  /** a regular expression the whole value must match (strings) */
  pattern?: string;
  /** never listed to anyone, write-only through the API */
  secret?: boolean;
  /** not writable through the API; its owning daemon may still set it */
  readonly?: boolean;
  /** computed from the board and firmware at every start, never stored, never written */
  const?: boolean;
  /** takes effect after a restart */
  restart?: boolean;
  /** survives "restore" (network basics) */
  keepOnRestore?: boolean;
}

/** A dynamic group's template: instances `<group>.<prefix><n>` created by `add`, deleted by `remove`. */
export interface TemplateDef {
  name: string;
  group: string;
  prefix: string;
  /** lowest instance number */
  first: number;
  /** most instances at once */
  max: number;
  create: Level;
  delete: Level;
  params: Record<string, ParamDef>;
}

export interface InstanceDef {
  template: string;
  n: number;
  values?: Record<string, string>;
}

/** A definitions file as written in `param-db/defs/*.json` (before file-level defaults apply). */
export interface DefsFile {
  owner: string;
  defaults?: { read?: Level; write?: Level };
  /** groups that exist even when empty (listing them answers nothing rather than an error) */
  groups?: string[];
  params?: Record<string, Partial<ParamDef> & { type: ParamType }>;
  templates?: Record<
    string,
    {
      group: string;
      prefix: string;
      first?: number;
      max: number;
      create?: Level;
      delete?: Level;
      params: Record<string, Partial<ParamDef> & { type: ParamType }>;
    }
  >;
  /** instances present at first boot and after restore/factory default */
  instances?: InstanceDef[];
}
