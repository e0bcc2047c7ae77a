import t from 'tap';
import { launch } from '../../launcher/test/boot.js';
import { axeViolations, launchBrowser, watchedPage } from './browser.js';

// The System page's network discovery settings on a device booted by the launcher, in headless
// Chromium: the current values shown, a change saved as one param batch and read back after a reload.
const PASS = 'Disc-ui-secret-42';
t.setTimeout(180_000);

t.test('network discovery settings on the System page', async (t) => {
  const dev = await launch(t);
  await dev.ready();
  const origin = `http://127.0.0.1:${dev.httpPort}`;
  t.equal((await fetch(`${origin}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=${PASS}&grp=users&sgrp=viewer:operator:admin`)).status, 200, 'the first administrator');
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const w = await watchedPage(browser, origin);
  const { page } = w;
  await page.goto('/');
  await page.getByLabel('User name').fill('root');
  await page.getByLabel('Password').fill(PASS);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();

  await page.goto('/system');
  const card = page.locator('section', { has: page.getByRole('heading', { name: 'Network discovery' }) });
  await card.getByLabel('Bonjour name').waitFor();
  t.match(await card.getByLabel('Bonjour name').inputValue(), /^Belfry .* - [0-9A-F]{12}$/, 'the default name: device name and MAC');
  t.equal(await card.getByLabel('WS-Discovery (ONVIF)').inputValue(), 'Discoverable');
  t.same(await axeViolations(page), [], 'axe-core');

  await card.getByLabel('WS-Discovery (ONVIF)').selectOption('NonDiscoverable');
  await card.getByLabel('Bonjour name').fill('Lobby speaker');
  await card.getByLabel('UPnP', { exact: true }).selectOption('no');
  await card.getByRole('button', { name: 'Save' }).click();
  await card.getByText('Discovery settings saved.').waitFor();

  await page.reload();
  await card.getByLabel('Bonjour name').waitFor();
  t.equal(await card.getByLabel('Bonjour name').inputValue(), 'Lobby speaker', 'stored by the device');
  t.equal(await card.getByLabel('WS-Discovery (ONVIF)').inputValue(), 'NonDiscoverable');
  t.equal(await card.getByLabel('UPnP', { exact: true }).inputValue(), 'no');
  t.equal(await card.getByLabel('Bonjour', { exact: true }).inputValue(), 'yes', 'what was not changed stays');
  t.equal((await fetch(`${origin}/rootdesc1.xml`)).status, 404, 'discoveryd follows: no root description with UPnP off');
  t.same(w.errors, [], 'no console errors');
  t.same(w.failed, [], 'no failed requests');
});
