import schema from '../defs.schema.json' with { type: 'json' };

/** JSON schema of a definitions file; `scripts/validate-defs.mjs` checks every file with it at build. */
export const defsFileSchema: object = schema;
