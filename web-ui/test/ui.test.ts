import t from 'tap';
import { wavFile } from '@belfry/board';
import { launch } from '../../launcher/test/boot.js';
import { UI_PAGES } from '../../daemons/httpd/src/static.js';
import { NAV, OTHER_PATHS } from '../src/pages.js';
import { startBroker } from '../../daemons/mqttd/test/broker.js';
import { en } from '../src/i18n/en.js';
import { DESKTOP, PHONE, axeViolations, launchBrowser, screenshot, toneDb, watchedPage } from './browser.js';

/**
 * The web UI end to end on a device booted by the launcher, in one headless Chromium: first run,
 * login, status, a clip uploaded and played (heard on the simulated speaker), the speaker test's
 * chart, plain config refusing bad values, every page checked (console, requests, axe-core) and
 * photographed at phone and desktop widths in light and dark, then factory default back to first run.
 */
const PASS = 'Ui-test-secret-42';
// one device and one browser for the whole journey (a factory default and a restart included):
// the root timeout (package.json, 120 s) is raised for this file
t.setTimeout(300_000);
const TONE_HZ = 1234;
const t2 = (k: keyof typeof en) => en[k];

t.test('the web UI drives the device', async (t) => {
  const dev = await launch(t);
  const st = await dev.ready();
  const origin = `http://127.0.0.1:${dev.httpPort}`;
  const bench = st.bench!;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const w = await watchedPage(browser, origin);
  const { page } = w;
  /** answers ≥ 400 the steps below cause on purpose */
  const expected: string[] = [];

  await t.test('the served paths: every UI page path, and nothing else', async (t) => {
    t.same([...NAV.map((n) => n.path), ...OTHER_PATHS].map((p) => p.slice(1)).sort(), [...UI_PAGES].sort(), 'the UI’s pages are the ones httpd answers with index.html');
    const csp = (await fetch(`${origin}/status`)).headers.get('content-security-policy');
    t.match(csp, /script-src 'self'/);
    t.equal((await fetch(`${origin}/api/v1/nothing`)).status, 404, 'an API path stays a 404');
  });

  await t.test('first run: only the administrator account can be made', async (t) => {
    // a clock the test can move (idle logout below); it runs at the real pace meanwhile
    await page.clock.install();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Create administrator account' }).waitFor();
    await page.waitForURL('**/setup');
    expected.push('401 GET /api/v1/session');
    t.equal(await page.getByRole('navigation').count(), 0, 'no navigation before the account exists');
    await screenshot(page, 'setup-desktop-light');
    await page.getByLabel('User name').fill('root');
    await page.getByLabel('Password', { exact: true }).fill(PASS);
    t.match(await page.locator('.strength span').textContent(), /Good|Strong/, 'the strength meter rates it');
    await page.getByLabel('Repeat password').fill(PASS + 'x');
    await page.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    t.match(await page.getByRole('alert').textContent(), /passwords differ/, 'two different passwords: said so');
    await page.getByLabel('Repeat password').fill(PASS);
    await page.getByRole('checkbox').uncheck();
    await page.getByRole('button', { name: 'Create account' }).click();
    t.match(await page.getByRole('alert').textContent(), /licence/, 'the licence must be accepted');
    await page.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expected.push('401 GET /api/v1/session');
  });

  await t.test('login, then Status', async (t) => {
    await page.getByLabel('User name').fill('root');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    t.match(await page.getByRole('alert').textContent(), /Wrong user name or password/);
    expected.push('401 POST /api/v1/session');
    await page.getByLabel('Password').fill(PASS);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
    await page.waitForURL('**/status');
    const device = page.locator('section', { hasText: 'Serial number' });
    t.match(await device.textContent(), /BS1410/, 'the model');
    t.match(await page.getByText('Recommendations').locator('..').textContent(), /HTTPS only|second one/, 'a security recommendation');
    t.match(await page.locator('section', { hasText: 'Speaker test' }).textContent(), /Not calibrated/, 'the speaker test state');
    t.match(await page.locator('section', { hasText: 'Connected clients' }).textContent(), /[1-9]\d* open connection\(s\) from 1 address/, 'the connected clients (this browser)');
  });

  await t.test('keyboard: the navigation works without a mouse', async (t) => {
    await page.getByRole('link', { name: 'Audio' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Audio', level: 1 }).waitFor();
    await page.waitForURL('**/audio');
    t.pass('Enter on a focused link navigates');
  });

  await t.test('upload a clip with progress, play it: the simulated speaker plays it', async (t) => {
    const tone = Int16Array.from({ length: 16000 * 1.5 }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * TONE_HZ * i) / 16000)));
    await page.getByLabel(/^Audio file/).setInputFiles({ name: 'garbage.wav', mimeType: 'audio/wav', buffer: Buffer.from('not audio at all') });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    t.match(await page.locator('form', { hasText: 'Upload a clip' }).getByRole('alert').textContent(), /unsupported format/, 'a bad file: the device says why');
    expected.push('400 POST /api/v1/clips');
    await page.getByLabel(/^Audio file/).setInputFiles({ name: 'tone.wav', mimeType: 'audio/wav', buffer: wavFile(tone, 16000) });
    await page.getByLabel(/^Name/).fill('Test tone');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('Uploaded “Test tone”.').waitFor();
    const row = page.getByRole('row', { name: /Test tone/ });
    t.match(await row.textContent(), /1\.5 s/, 'listed with its duration');
    await row.getByRole('button', { name: 'Play Test tone' }).click();
    let db = -Infinity;
    for (let i = 0; i < 20 && db < -30; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const wav = Buffer.from(await (await fetch(`${bench}/bench/audio/speaker?ms=1000`)).arrayBuffer());
      db = toneDb(new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length - ((wav.length - 44) % 2))), TONE_HZ);
    }
    t.ok(db > -30, `the speaker played the ${TONE_HZ} Hz tone (${db.toFixed(1)} dBFS)`);
    await row.getByRole('button', { name: 'Link Test tone' }).click();
    await page.getByLabel('Volume (%)').fill('50');
    await page.getByRole('button', { name: 'Create link' }).click();
    t.match(await page.getByLabel('Link', { exact: true }).inputValue(), /playclip\.cgi\?clip=\d+&volume=50&repeat=0$/, 'a link to play it');
    await page.getByRole('button', { name: 'Close' }).click();
  });

  await t.test('a clip renamed, downloaded, deleted', async (t) => {
    await page.getByRole('button', { name: 'Rename Test tone' }).click();
    await page.getByLabel('New name for “Test tone”').fill('Tone 1234');
    await page.locator('form', { has: page.getByLabel('New name for “Test tone”') }).getByRole('button', { name: 'Save' }).click();
    const row = page.getByRole('row', { name: /Tone 1234/ });
    await row.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download Tone 1234' }).click()]);
    t.equal(download.suggestedFilename(), 'Tone 1234.wav');
    const { readFileSync } = await import('node:fs');
    t.equal(readFileSync((await download.path())!).subarray(0, 4).toString(), 'RIFF', 'the file as uploaded');
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete Tone 1234' }).click();
    await row.waitFor({ state: 'detached' });
    t.pass('deleted after the confirmation');
  });

  await t.test('device settings: the speaker gain saved', async (t) => {
    const out = page.locator('fieldset', { hasText: 'Speaker (output)' });
    await out.getByLabel('Gain (dB)').fill('-6');
    await out.getByRole('button', { name: 'Save' }).click();
    await out.getByText('Saved.').waitFor();
    const failedBefore = w.failed.length;
    await page.reload();
    const again = page.locator('fieldset', { hasText: 'Speaker (output)' });
    t.equal(await again.getByLabel('Gain (dB)').inputValue(), '-6', 'read back from the device');
    t.ok(await page.getByRole('meter', { name: 'Input level' }).isVisible(), 'the live input level');
    // the reload cut the level meter's poll short: the test's doing, not a failure
    const cut = w.failed.splice(failedBefore);
    t.ok(cut.every((f) => /audio\/status net::ERR_ABORTED/.test(f)), `only a poll was cut by the reload (${cut.length})`);
    // back to 0 dB: the speaker test below calibrates and tests at the default level
    await again.getByLabel('Gain (dB)').fill('0');
    await again.getByRole('button', { name: 'Save' }).click();
    await again.getByText('Saved.').waitFor();
  });

  await t.test('speaker test: calibrate, run, the per-band chart', async (t) => {
    // a clip still playing would hold the speaker (the test refuses to start then): stop it
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByText(/^(Stopped|Nothing was playing)\.$/).waitFor();
    const test = page.locator('#speaker-test');
    await test.getByRole('button', { name: 'Calibrate' }).click();
    await test.getByTestId('st-state').filter({ hasText: 'Calibrated, not tested yet' }).waitFor({ timeout: 30_000 });
    await test.getByRole('button', { name: 'Run test' }).click();
    await test.getByTestId('st-state').filter({ hasText: 'Passed' }).waitFor({ timeout: 30_000 });
    t.equal(await test.locator('svg rect.bar').count(), 9, 'one bar per band');
    t.equal(await test.locator('svg rect.bar.bad').count(), 0, 'all within the tolerance');
    t.equal(await test.getByRole('row').count(), 10, 'and the same in a table');
  });

  await t.test('plain config: a bad value is refused, by the page and by the device', async (t) => {
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByLabel('Filter parameters').fill('Port');
    const network = page.locator('details', { hasText: 'Network' }).first();
    await network.locator('summary').click();
    const port = network.getByLabel('Network.HTTP.Port', { exact: true });
    await port.fill('99999');
    t.match(await network.getByRole('alert').first().textContent(), /whole number from 1 to 65535/, 'out of range: said at once');
    await port.fill(String(dev.httpsPort));
    await network.getByRole('button', { name: /Save/ }).click();
    t.match(await network.getByRole('alert').last().textContent(), /The device refused it: .*Network\.HTTP\.Port/, 'the device’s own refusal (the HTTPS port)');
    t.match(await (await fetch(`${origin}/status`)).text(), /doctype/i, 'nothing changed: the device still answers on its port');
    await page.getByLabel('Filter parameters').fill('Audio.A0.Name');
    const audio = page.locator('details', { hasText: 'Audio' }).first();
    await audio.locator('summary').click();
    await audio.getByLabel('Audio.A0.Name').fill('Lobby');
    await audio.getByRole('button', { name: /Save/ }).click();
    await audio.getByText('Saved 1 change(s) in Audio.').waitFor();
  });

  await t.test('accounts: add, change the role, delete', async (t) => {
    const form = page.locator('form', { has: page.getByRole('group', { name: 'Add account' }) });
    await form.getByLabel('User name').fill('op1');
    await form.getByLabel('Password').fill('Operator-pass-7');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByRole('button', { name: 'Add account' }).click();
    const row = page.getByRole('row', { name: /op1/ });
    t.match(await row.textContent(), /Operator/);
    await row.getByRole('button', { name: 'Edit op1' }).click();
    await page.getByRole('group', { name: 'Edit op1' }).getByLabel('Role').selectOption('viewer');
    await page.getByRole('group', { name: 'Edit op1' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /op1 Viewer/ }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete op1' }).click();
    await page.getByRole('row', { name: /op1/ }).waitFor({ state: 'detached' });
    t.pass('gone');
  });

  await t.test('MQTT: the client connects to a broker, event publication and a subscription saved', async (t) => {
    const broker = await startBroker();
    t.teardown(() => broker.stop());
    await page.goto('/mqtt');
    const client = page.locator('section', { hasText: 'MQTT client' });
    await client.getByLabel('Host').fill('127.0.0.1');
    await client.getByLabel('Port').fill(String(broker.ports.tcp));
    await client.getByLabel('Password').fill('not-shown-42');
    await client.getByRole('button', { name: 'Save' }).click();
    await client.getByText('Saved.').waitFor();
    await client.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#mqtt-state', { hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    t.equal(await client.getByLabel('Password').inputValue(), '', 'the password is not sent back to the page');
    t.equal(await client.getByLabel('Password').getAttribute('placeholder'), 'unchanged');
    const pub = page.locator('section', { hasText: 'Event publication' });
    await pub.getByRole('button', { name: 'Add' }).click();
    await pub.getByRole('textbox', { name: 'Condition' }).fill('onvif:Device/#');
    await pub.getByRole('button', { name: 'Save' }).click();
    await pub.getByText(/eventFilterList\[0\]\.topicFilter/).waitFor();
    t.pass('a bad filter: the device says which field');
    await pub.getByRole('textbox', { name: 'Condition' }).fill('onvif:Device//.');
    await pub.getByRole('button', { name: 'Save' }).click();
    await pub.getByText('Saved.').waitFor();
    const subs = page.locator('section', { hasText: 'Subscriptions' });
    await subs.getByRole('button', { name: 'Add' }).click();
    await subs.getByLabel('Subscription filter').fill('home/door');
    await subs.getByLabel('Type').selectOption('stateful');
    await subs.getByRole('button', { name: 'Save' }).click();
    await subs.getByText('Saved.').waitFor();
    const failedBefore = w.failed.length;
    await page.reload();
    // the reload may cut the status poll short: the test's doing, not a failure
    const cut = w.failed.splice(failedBefore);
    t.ok(cut.every((f) => /mqtt\/client\.cgi net::ERR_ABORTED/.test(f)), `only a poll was cut by the reload (${cut.length})`);
    t.equal(await page.locator('section', { hasText: 'Event publication' }).getByRole('textbox', { name: 'Condition' }).inputValue(), 'onvif:Device//.', 'read back');
    t.equal(await page.locator('section', { hasText: 'Subscriptions' }).getByLabel('Subscription filter').inputValue(), 'home/door');
    await page.locator('section', { hasText: 'MQTT client' }).getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('#mqtt-state', { hasText: 'Off' }).waitFor();
    // leave through the navigation (the page stops polling), as a user does
    await page.getByRole('navigation').getByRole('link', { name: 'Status' }).click();
    await page.getByRole('heading', { level: 1, name: 'Status' }).waitFor();
  });

  await t.test('every page: no console error, no failed request, no serious accessibility violation; screenshots', async (t) => {
    for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(vp);
      await page.goto('/status');
      await page.getByRole('heading', { level: 1, name: 'Status' }).waitFor();
      for (const n of NAV) {
        // through the navigation, as a user goes (on a phone it is behind the menu button)
        const link = page.getByRole('navigation').getByRole('link', { name: t2(n.label) });
        if (!(await link.isVisible())) await page.getByRole('button', { name: 'Menu' }).click();
        await link.click();
        await page.getByRole('heading', { level: 1, name: t2(n.label) }).waitFor();
        await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          t.same(await axeViolations(page), [], `${n.path} ${size} ${scheme}: axe-core`);
          await screenshot(page, `${n.path.slice(1)}-${size}-${scheme}`);
        }
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByLabel('Theme').selectOption('dark');
    t.equal(await page.locator('html').getAttribute('data-theme'), 'dark', 'the theme picker');
    await page.getByLabel('Theme').selectOption('auto');
    await page.setViewportSize(DESKTOP);
  });

  await t.test('log out; idle logout after the session’s idle time', async (t) => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.waitForURL('**/login');
    t.pass('at /login');
    expected.push('401 GET /api/v1/session');
    await page.getByLabel('User name').fill('root');
    await page.getByLabel('Password').fill(PASS);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
    // the page's clock jumps past the 30 idle minutes: the UI logs itself out and says why
    await page.clock.fastForward('30:10');
    await page.getByText('You were logged out after 30 minutes without activity.').waitFor();
    t.pass('idle logout');
    await page.getByLabel('User name').fill('root');
    await page.getByLabel('Password').fill(PASS);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
  });

  await t.test('maintenance: the audit log filtered; factory default back to first run', async (t) => {
    await page.goto('/maintenance');
    await page.getByLabel('Log', { exact: true }).selectOption('auditlog');
    await page.getByLabel('Show lines containing').fill('account.removed');
    t.match(await page.getByText(/^1 of \d+ lines$/).textContent(), /1 of/, 'one line: the one account removed');
    const [report] = await Promise.all([page.waitForEvent('download'), page.locator('section', { hasText: 'Server report' }).getByRole('button', { name: 'Download' }).click()]);
    t.equal(report.suggestedFilename(), 'server-report.txt', 'the server report downloads');
    const fd = page.locator('form', { hasText: 'Nothing is kept' });
    await fd.getByLabel(/Type FACTORY DEFAULT/).fill('factory');
    await fd.getByRole('button', { name: 'Factory default' }).click();
    t.match(await fd.getByRole('alert').textContent(), /Type exactly FACTORY DEFAULT/, 'the confirmation must be exact');
    const failedBefore = w.failed.length;
    await fd.getByLabel(/Type FACTORY DEFAULT/).fill('FACTORY DEFAULT');
    await fd.getByRole('button', { name: 'Factory default' }).click();
    await page.getByRole('progressbar').first().waitFor();
    await page.getByRole('heading', { name: 'Create administrator account' }).waitFor({ timeout: 120_000 });
    await page.waitForURL('**/setup');
    t.pass('first run again, at /setup');
    // while the device restarts, its polls find nobody listening: that is the wait, not a failure
    const during = w.failed.splice(failedBefore);
    t.ok(during.every((f) => /systemready\.cgi net::ERR_CONNECTION_(REFUSED|RESET)|systemready\.cgi net::ERR_EMPTY_RESPONSE/.test(f)), `only the restart's polls failed (${during.length})`);
    expected.push('401 GET /api/v1/session');
  });

  t.same(w.errors, [], 'no console errors');
  t.same(w.failed, [], 'no failed requests');
  const unexpected = w.refused.filter((r) => !expected.includes(r));
  t.same(unexpected, [], `no refused requests but the deliberate ones (${w.refused.join('; ')})`);
});
