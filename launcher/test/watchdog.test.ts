import t from 'tap';
import { readFileSync } from 'node:fs';
import { HOSTS } from '@belfry/core';
import { launch } from './boot.js';

t.test('a host that stops answering (SIGSTOP) is killed by the watchdog and restarted; systemready goes and comes back', async (t) => {
  const dev = await launch(t, { env: { BELFRY_WATCHDOG_MS: '3000' } });
  const status = await dev.ready();
  const stopped = status.pids.boardd!;
  process.kill(stopped, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(stopped, 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  });
  const host = HOSTS.find((h) => h.daemons.includes('boardd'))!.daemons.join('+');
  t.equal(await dev.next(/watchdog/), `belfry: ${host} did not answer for 3000 ms (watchdog); killing it`);
  await dev.next(/^belfry: systemready lost$/);
  const again = await dev.ready();
  t.not(again.pids.boardd, stopped, 'boardd runs in a new process');
  t.equal(again.pids.paramd, again.pids.boardd, 'its host mate restarted with it');
  t.equal(again.pids.httpd, status.pids.httpd, 'httpd untouched');
  const r = await fetch(`${again.http}/axis-cgi/systemready.cgi`, { method: 'POST', body: '{"apiVersion":"1","method":"systemready"}' });
  t.match(await r.json(), { data: { systemready: 'yes' } }, 'systemready.cgi says yes again');
});

t.test('a host that answers is left alone', async (t) => {
  const dev = await launch(t, { env: { BELFRY_WATCHDOG_MS: '4000' } });
  const status = await dev.ready();
  // a few watchdog periods with every host busy only as usual
  await new Promise((r) => setTimeout(r, 10_000));
  t.notOk(dev.out.some((l) => /watchdog/.test(l)), 'no host killed');
  const pids = JSON.parse(readFileSync(`${dev.root}/run/belfry/launcher.json`, 'utf8')).pids;
  t.same(pids, status.pids, 'same processes');
});
