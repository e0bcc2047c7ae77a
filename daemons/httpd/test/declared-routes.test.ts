import t from 'tap';
import type { Logger } from '@belfry/core';
import type { RouteSpec } from '@belfry/core/contract';
import { DeclaredRoutes } from '../src/declared-routes.js';

const log = { warn: () => undefined } as unknown as Logger;
const route = (path: string, extra: Partial<RouteSpec> = {}): RouteSpec => ({ path, methods: ['GET'], access: 'viewer', errors: 'json-api', probe: { method: 'GET', url: path.replace(/:[a-z]+/g, 'x'), needs: 'viewer' }, ...extra });
const declare = (d: DeclaredRoutes, owner: string, routes: RouteSpec[]) => d.take(owner, JSON.stringify({ routes }));

t.test('match: fixed paths, patterns, and which wins', async (t) => {
  const d = new DeclaredRoutes('/run', (p) => p === '/own', log);
  declare(d, 'a', [route('/api/v1/clips/:id'), route('/api/v1/clips/:id/play', { stream: true })]);
  declare(d, 'b', [route('/api/v1/clips/stop'), route('/x/y')]);
  t.equal(d.match('/api/v1/clips/stop')?.owner, 'b', "a fixed path wins over another daemon's pattern");
  t.equal(d.match('/api/v1/clips/7')?.owner, 'a', 'a pattern matches one segment');
  t.equal(d.match('/api/v1/clips/7/play')?.spec.stream, true, 'the matched route is returned whole');
  t.equal(d.match('/api/v1/clips/7/8'), undefined, 'a pattern segment is one segment');
  t.equal(d.match('/api/v1/clips/:id'), d.match('/api/v1/clips/9'), 'the pattern itself matches as a path too');
  t.equal(d.match('/x/y')?.socket, '/run/b/http.sock', "the owner's socket");
  t.equal(d.match('/x/yz'), undefined, 'a fixed path is not a prefix');
  t.equal(d.match('/own'), undefined, "httpd's own path is never declared");
  declare(d, 'c', [route('/x/y'), route('/own')]);
  t.equal(d.match('/x/y')?.owner, 'b', 'the first declaration of a path keeps it');
  t.equal(d.match('/own'), undefined, "a declaration of httpd's own path is ignored");
  declare(d, 'b', [route('/x/z')]);
  t.equal(d.match('/api/v1/clips/stop')?.owner, 'a', "b's new declaration replaced its old: the pattern matches now");
  t.equal(d.match('/x/z')?.owner, 'b');
  d.take('a', '');
  t.equal(d.match('/api/v1/clips/7'), undefined, 'a withdrawn declaration matches nothing');
  t.equal(d.match('/x/z')?.owner, 'b', 'the others stay');
});

t.test('match: patterns at different depths', async (t) => {
  const d = new DeclaredRoutes('/run', () => false, log);
  declare(d, 'a', [route('/api/v1/:kind/list'), route('/:top')]);
  declare(d, 'b', [route('/api/v1/clips/:id'), route('/api/v1/clips/:id/:part')]);
  t.equal(d.match('/api/v1/clips/list')?.spec.path, '/api/v1/clips/:id', 'the longer fixed part is tried first');
  t.equal(d.match('/api/v1/sounds/list')?.spec.path, '/api/v1/:kind/list', 'a pattern with a shorter fixed part still matches');
  t.equal(d.match('/api/v1/clips/7/meta')?.spec.path, '/api/v1/clips/:id/:part', 'two wildcards');
  t.equal(d.match('/anything')?.spec.path, '/:top', 'a pattern at the root');
  t.equal(d.match('/anything/else'), undefined);
  t.equal(d.match(''), undefined, 'an empty path matches nothing');
});
