import { Type, type Static } from 'typebox';
import { defineContract } from './contract.js';

/**
 * paramd's contract, shared by paramd (which serves it) and every caller. It lives in core, not in
 * `@belfry/paramd/contract`, because core itself needs it (the ParamCache every daemon gets, the
 * param vetoes of `DaemonContext`) and param-db uses its levels: core cannot depend on a daemon.
 * Like every contract module it imports only `typebox`.
 *
 * Names travel without the `root.` prefix (`Network.HTTP.Port`); values are VAPIX strings
 * (`yes`/`no`, decimal).
 */
export const LEVELS = ['anonymous', 'viewer', 'operator', 'admin', 'internal'] as const;
export type Level = (typeof LEVELS)[number];
/** Axis security digits: anonymous 0, viewer 1, operator 4, admin 6, root/internal 7. */
export const LEVEL_DIGIT: Record<Level, number> = { anonymous: 0, viewer: 1, operator: 4, admin: 6, internal: 7 };

/** Published after a batch is durable: `{rev, changes, secret}` (`ParamChange`). */
export const PARAMD_CHANGED = 'belfry/notify/paramd/changed';
/** Published after restore/factory default: `{kind: 'restore' | 'factory', rev}`. */
export const PARAMD_RESET = 'belfry/notify/paramd/reset';

/** Retained: the last store fallback still standing (`StorageAnnouncement` in paramd's storage-report.ts). */
export const PARAMD_STORAGE = 'belfry/notify/paramd/storage';
/** paramd's stateful event: the store was damaged and params fell back (`{reset, fallback, reason}`). */
export const CONFIG_RESET = 'belfry:Device/ConfigurationReset';

/** The most a batch, a list of names or of groups may hold. */
export const MAX_NAMES = 1000;

const LevelT = Type.Union(LEVELS.map((l) => Type.Literal(l)) as [ReturnType<typeof Type.Literal<Level>>]);
const Names = Type.Array(Type.String({ maxLength: 1024 }), { maxItems: MAX_NAMES });
const Values = Type.Record(Type.String(), Type.String());
const None = Type.Object({}, { additionalProperties: false });
const Rev = Type.Object({ rev: Type.Integer() });
const RevParams = Type.Object({ rev: Type.Integer(), params: Values });

export const ParamDefinitionEntryT = Type.Object({
  name: Type.String(),
  value: Type.Optional(Type.String()),
  type: Type.String(),
  niceName: Type.Optional(Type.String()),
  /** four Axis digits: create, delete, read, write */
  securityLevel: Type.String(),
  readonly: Type.Boolean(),
  const: Type.Boolean(),
  secret: Type.Boolean(),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  maxLength: Type.Optional(Type.Integer()),
  values: Type.Optional(Type.Array(Type.String())),
});

/**
 * `level` is the end user's access level that the front door (httpd) states; paramd caps it by the
 * caller's bus identity: a daemon gets at most `internal` (its own secrets only), an app at most
 * `viewer` and never a secret, whatever it claims.
 */
export const PARAMD = defineContract({
  name: 'paramd',
  methods: {
    list: {
      summary: 'Params under the given groups (wildcards allowed); all readable params when `groups` is absent.',
      params: Type.Object({ groups: Type.Optional(Names), level: Type.Optional(LevelT) }, { additionalProperties: false }),
      result: RevParams,
      callers: 'apps',
    },
    get: {
      summary: 'Named params; unknown names fail with not_found unless `missingOk`, which leaves them out. Secrets only to their owning daemon.',
      params: Type.Object({ names: Names, level: Type.Optional(LevelT), missingOk: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      result: RevParams,
      callers: 'apps',
    },
    update: {
      summary: 'All-or-nothing batch. Errors name the first failing param.',
      params: Type.Object({ changes: Values, level: Type.Optional(LevelT) }, { additionalProperties: false }),
      result: Rev,
      callers: 'daemons',
    },
    add: {
      summary: 'Adds an instance of a dynamic group from a template; answers its id (`M3`).',
      params: Type.Object(
        { group: Type.String({ maxLength: 256 }), template: Type.String({ maxLength: 64 }), values: Type.Optional(Values), level: Type.Optional(LevelT) },
        { additionalProperties: false },
      ),
      result: Type.Object({ rev: Type.Integer(), instance: Type.String() }),
      callers: 'daemons',
    },
    remove: {
      summary: 'Removes instances of dynamic groups (`MediaClip.M3`).',
      params: Type.Object({ groups: Names, level: Type.Optional(LevelT) }, { additionalProperties: false }),
      result: Rev,
      callers: 'daemons',
    },
    definitions: {
      params: Type.Object({ groups: Type.Optional(Names), level: Type.Optional(LevelT) }, { additionalProperties: false }),
      result: Type.Object({ rev: Type.Integer(), entries: Type.Array(ParamDefinitionEntryT) }),
      callers: 'apps',
    },
    restore: { summary: 'Back to defaults, keeping `keepOnRestore` params.', params: None, result: Rev, callers: 'daemons' },
    factoryDefault: { summary: 'Back to defaults, everything.', params: None, result: Rev, callers: 'daemons' },
  },
});

export type ParamValues = Static<typeof Values>;
export type ParamDefinitionEntry = Static<typeof ParamDefinitionEntryT>;

/** The generic form of `PARAMD` (`Client<ParamdContract>`), until every caller uses `client(PARAMD)`. */
export type ParamdContract = import('./contract.js').MethodsOf<typeof PARAMD>;

/** Published on `PARAMD_CHANGED` after a batch is durable. `null` = removed. */
export interface ParamChange {
  rev: number;
  changes: Record<string, string | null>;
  /** names of secret params that changed; their values never travel */
  secret?: string[];
}

/**
 * What an owning daemon answers when paramd asks whether it can apply a change. Every daemon that
 * calls `vetoParams` serves it under its own name; only paramd may call it.
 */
export const PARAM_VETO = defineContract({
  name: 'paramVeto',
  methods: {
    paramVeto: {
      params: Type.Object({ changes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])) }, { additionalProperties: false }),
      result: Type.Object({ ok: Type.Literal(true) }),
      callers: ['paramd'],
    },
  },
});
export type ParamVetoContract = import('./contract.js').MethodsOf<typeof PARAM_VETO>;
