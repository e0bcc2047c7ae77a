// Writes daemons/core/src/settings-defs.gen.ts (typed settings per group) from param-db/defs/*.json.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSource } from '../daemons/core/src/settings-gen.ts';

const dir = join(import.meta.dirname, '../param-db/defs');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
const out = join(import.meta.dirname, '../daemons/core/src/settings-defs.gen.ts');
writeFileSync(out, settingsSource(files));
console.log(`wrote ${out}`);
