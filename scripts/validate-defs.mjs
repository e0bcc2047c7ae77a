// Checks every param-db/defs/*.json against the definitions schema (ajv) and fails the build on the
// first problem; the registry's own semantic checks run when the store opens (and in the tests).
import { Ajv } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function validateDefs(dir = 'param-db/defs', schemaFile = 'param-db/defs.schema.json') {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  let bad = 0;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (!validate(doc)) {
      bad++;
      for (const e of validate.errors) console.error(`${dir}/${f}${e.instancePath}: ${e.message}`);
    }
  }
  if (bad) {
    console.error(`param definitions: ${bad} file(s) invalid`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  validateDefs();
  console.log('param definitions valid');
}
