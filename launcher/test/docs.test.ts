import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from 'typebox';
import { defineContract } from '@belfry/core/contract';
import { DEFINITION_FILES, deviceRegistry } from '@belfry/param-db';
import { API_DOCS_DIR, apiDocFiles, declaredEndpoints, endpointsMarkdown, frontDoorEndpoints, paramsMarkdown } from '../src/gen-docs.js';

const dir = join(import.meta.dirname, '../..', API_DOCS_DIR);

t.test('the committed docs/api/ is what the code generates (run `make docs`)', async (t) => {
  const files = apiDocFiles();
  t.same(readdirSync(dir).sort(), Object.keys(files).sort(), 'same set of files');
  for (const [name, text] of Object.entries(files)) t.equal(readFileSync(join(dir, name), 'utf8'), text, `${name} up to date`);
});

t.test('params.md lists every parameter and template leaf, with its levels', async (t) => {
  const md = paramsMarkdown();
  const reg = deviceRegistry({ brand: 'B', prodNbr: 'P', prodFullName: 'F', prodShortName: 'S', prodType: 'T', prodVariant: '', webURL: 'https://x/', serialNumber: '02BE1F000002', mac: '02:BE:1F:00:00:02', hardwareId: '1', architecture: 'x', soc: 's' });
  for (const [name, def] of reg.statics) t.match(md, `| \`${name}\` | ${def.type} |`, name);
  for (const tp of reg.templates.values()) for (const leaf of Object.keys(tp.params)) t.match(md, `\`${tp.group}.${tp.prefix}<n>.${leaf}\``, `${tp.name}.${leaf}`);
  t.match(md, /\| `Network\.HTTP\.Port` \| int \| 1 – 65535 \| `\$\{device\.httpPort\}` \| viewer \/ admin \|/, 'range, raw default and levels');
  t.match(md, /\| `Brand\.Brand` \| string \| {2}\| `\$\{board\.brand\}` \| anonymous \/ — \| const \|/, 'const: not writable');
  t.equal(Object.keys(DEFINITION_FILES).filter((f) => md.includes(`## ${f} (`)).length, Object.keys(DEFINITION_FILES).length, 'one section per file');
});

t.test('a secret parameter is documented without its default', async (t) => {
  const md = paramsMarkdown({ X: { owner: 'httpd', params: { 'X.Token': { type: 'string', default: 'hunter2', secret: true } } } });
  t.match(md, '| `X.Token` | string |  | *(secret)* |');
  t.notMatch(md, 'hunter2');
});

t.test('routes declared in contracts join the endpoint list, served by their daemon', async (t) => {
  const c = defineContract({
    name: 'eventd',
    methods: { list: { params: Type.Object({}), result: Type.Object({}), callers: 'daemons' } },
    routes: [{ path: '/axis-cgi/eventlist.cgi', methods: ['GET'], access: 'operator', errors: 'vapix-text', summary: 'event declarations', probe: { method: 'GET', url: '/axis-cgi/eventlist.cgi', needs: 'operator' } }],
  });
  const md = endpointsMarkdown([...frontDoorEndpoints(), ...declaredEndpoints([c])]);
  t.match(md, '| `/axis-cgi/eventlist.cgi` | GET | operator | eventd | event declarations |');
  t.match(md, '| `/axis-cgi/param.cgi` | GET, POST | self (probe needs viewer) | httpd | hot lane |');
});

t.test('a path and method served twice is refused', async (t) => {
  const twice = defineContract({
    name: 'audiod',
    methods: {},
    routes: [{ path: '/axis-cgi/param.cgi', methods: ['POST'], access: 'admin', errors: 'vapix-text', probe: { method: 'POST', url: '/axis-cgi/param.cgi', needs: 'admin' } }],
  });
  t.throws(() => endpointsMarkdown([...frontDoorEndpoints(), ...declaredEndpoints([twice])]), /POST \/axis-cgi\/param\.cgi is served by both httpd and audiod/);
});
