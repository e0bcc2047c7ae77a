import t from 'tap';
import { Bus, readBusCredentials, startOrder, type DaemonModule } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as audiod } from '@belfry/audiod';

t.test('start order comes from the service list', async (t) => {
  t.same(startOrder(['audiod', 'boardd', 'paramd']), ['paramd', 'boardd', 'audiod']);
  t.same(startOrder(['httpd', 'paramd']), ['paramd', 'httpd']);
});

t.test('startDevice runs the daemons in this process, in start order, and stops them', async (t) => {
  const started: string[] = [];
  const spy = (m: DaemonModule): DaemonModule => ({ name: m.name, start: (ctx) => (started.push(m.name), m.start(ctx)) });
  const dev = await startDevice({ daemons: [spy(audiod), spy(boardd), spy(paramd)], users: ['tester'] });
  t.teardown(() => dev.stop());
  t.same(started, ['paramd', 'boardd', 'audiod'], 'ordered, whatever order they were given in');
  const bus = await Bus.connect({ socketPath: dev.paths.busSocket, credentials: readBusCredentials(dev.paths, 'cli') });
  t.teardown(() => bus.close());
  const states: Record<string, { state: string; pid: number }> = {};
  await bus.subscribe('belfry/daemon/+/state', (topic, p) => (states[topic.split('/')[2]!] = JSON.parse(p.toString())));
  await new Promise((r) => setTimeout(r, 100));
  t.match(states, { paramd: { state: 'ready', pid: process.pid }, boardd: { state: 'ready', pid: process.pid }, audiod: { state: 'ready', pid: process.pid } }, 'in this process');
  await dev.restart('boardd');
  t.same(started, ['paramd', 'boardd', 'audiod', 'boardd'], 'restart starts it again');
  await t.rejects(dev.restart('httpd'), /httpd is not running/);
});

t.test('a module outside the service list is refused', async (t) => {
  await t.rejects(startDevice({ daemons: [{ name: 'nosuchd', start: async () => ({ stop: async () => undefined }) }] }), /not in the service list: nosuchd/);
});
