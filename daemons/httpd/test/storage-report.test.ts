import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startDevice } from './device.js';

/** A configuration reset by a damaged parameter store is visible in the server report (issue 9 item 1). */
t.test('serverreport.cgi says when the parameter store fell back', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin('root', 'pass1');
  const get = async () => (await d.digest('GET', '/axis-cgi/serverreport.cgi', 'root', 'pass1')).body;
  // httpd hears paramd's retained announcement on its own connection: give it a moment after a restart
  let seen = '';
  const report = async () => {
    for (let i = 0; i < 50; i++) {
      const text = await get();
      const line = /^Parameter store: .*$/m.exec(text)?.[0] ?? '';
      if (line !== seen) return (seen = line), text;
      await new Promise((r) => setTimeout(r, 100));
    }
    return get();
  };
  t.match(await report(), /^Parameter store: sound$/m, 'a sound store');

  const dir = join(d.tb.paths.state, 'paramd');
  await d.restartParamd(() => writeFileSync(join(dir, 'params.json'), 'x'));
  t.match(await report(), /^Parameter store: repaired from its other copy \(nothing lost\) at \d{4}-.*params\.json: not a params file/m, 'one copy lost: repaired, said so');

  await d.restartParamd(() => {
    writeFileSync(join(dir, 'params.json'), 'x');
    writeFileSync(join(dir, 'params.copy.json'), 'x');
  });
  const text = await report();
  t.match(text, /^Parameter store: CONFIGURATION RESET to defaults at \d{4}-\d\d-\d\dT.*params\.json: .*params\.copy\.json: /m, 'both lost: the reset, when and why');
  t.match(text, /Accounts: root \(admin/, 'the accounts are httpd’s: still there');
  t.match(text, /^Accounts store: sound$/m);

  await d.restartHttpd(() => writeFileSync(join(d.tb.paths.state, 'httpd', 'accounts.copy.json'), 'x'));
  const bus = await d.tb.connect('tester');
  t.teardown(() => bus.close());
  const announced = await new Promise<unknown>((resolve) => void bus.subscribe('belfry/notify/httpd/storage', (_t, p) => resolve(JSON.parse(p.toString()))));
  t.match(announced, { accounts: { fallback: 'copy', reason: /accounts\.copy\.json/, at: /^\d{4}-/ } }, 'announced retained');
  t.match(await get(), /^Accounts store: repaired from its other copy \(nothing lost\) at \d{4}-.*accounts\.copy\.json: not a accounts file/m, 'an accounts copy lost: said so');
});
