// `make docs`: writes docs/api/ (parameter reference, endpoint list) from the code.
import { join } from 'node:path';
import { writeApiDocs } from '../launcher/src/gen-docs.ts';
console.log(writeApiDocs(join(import.meta.dirname, '..')).join('\n'));
