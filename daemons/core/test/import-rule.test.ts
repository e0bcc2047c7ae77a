import t from 'tap';
import { join } from 'node:path';
import { ESLint } from 'eslint';

// The repository's eslint config: a daemon imports only core, param-db, board and other daemons' contracts.
const root = join(import.meta.dirname, '../../..');

async function restricted(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [r] = await eslint.lintText(code, { filePath: join(root, file) });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

t.test('daemon sources may not import other daemons’ insides', async (t) => {
  const bad = [
    "import { daemon } from '@belfry/paramd';",
    "import { startTestBus } from '@belfry/core/testing';",
    "import { serveParams } from '../../paramd/src/service.js';",
    "import { x } from '../../../param-db/src/registry.js';",
  ];
  for (const line of bad) t.equal((await restricted('daemons/boardd/src/cgi/x.ts', line + '\nexport {};')).length, 1, line);
  const good = [
    "import { BelfryError } from '@belfry/core';",
    "import { PARAMD } from '@belfry/core/params-contract';",
    "import { ParamDb } from '@belfry/param-db';",
    "import { sim } from '@belfry/board';",
    "import { BOARDD } from '@belfry/boardd/contract';",
    "import { x } from '../context.js';",
  ];
  for (const line of good) t.same(await restricted('daemons/httpd/src/cgi/x.ts', line + '\nexport {};'), [], line);
  t.same(await restricted('daemons/paramd/test/x.test.ts', "import { daemon } from '@belfry/paramd';\nexport {};"), [], 'tests may boot mains');
});
