import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { launch } from '../../launcher/test/boot.js';
import { axeViolations, DESKTOP, launchBrowser, PHONE, screenshot, watchedPage } from './browser.js';

// The SIP page on a device booted by the launcher (SIP on its own loopback address), in headless
// Chromium, against a SIPp "PBX" on another: SIP switched on, a bad port refused at its field, a
// registered account added (its status from the device), a test call from it that rings, becomes
// active and is ended from the page (SIPp checks the BYE), a DTMF sequence, axe at both widths.
const PASS = 'Sip-ui-secret-42';
const DEVICE = '127.0.0.84';
const PBX = '127.0.0.85';
t.setTimeout(240_000);

t.test('the SIP page: settings, an account at a SIPp PBX, a test call made, followed and ended', async (t) => {
  const dev = await launch(t, { env: { SIP_ADDRESS: DEVICE } });
  await dev.ready();
  const origin = `http://127.0.0.1:${dev.httpPort}`;
  t.equal((await fetch(`${origin}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=${PASS}&grp=users&sgrp=viewer:operator:admin`)).status, 200, 'the first administrator');
  const pbx = spawn('sipp', ['-sf', join(import.meta.dirname, 'sipp', 'pbx.xml'), '-i', PBX, '-p', '5060', '-mp', '26500', '-m', '2', '-nostdin', '-timeout', '120s', '-timeout_error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let pbxErr = '';
  pbx.stderr.on('data', (d: Buffer) => (pbxErr = (pbxErr + d.toString()).slice(-20_000)));
  const pbxDone = new Promise<number>((r) => pbx.on('exit', (c) => r(c ?? -1)));
  t.teardown(() => void (pbx.exitCode === null && pbx.kill('SIGKILL')));
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const w = await watchedPage(browser, origin);
  const { page } = w;
  await page.goto('/');
  await page.getByLabel('User name').fill('root');
  await page.getByLabel('Password').fill(PASS);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();

  await page.getByRole('navigation').getByRole('link', { name: 'SIP' }).click();
  const settings = page.locator('section', { has: page.getByRole('heading', { name: 'SIP settings' }) });
  await settings.getByLabel('SIP port (UDP and TCP)').waitFor();
  t.equal(await settings.getByLabel('SIP port (UDP and TCP)').inputValue(), '5060', 'the stored port');
  t.ok(await settings.getByLabel('PCMU', { exact: true }).isChecked(), 'G.711 µ-law is offered');
  t.ok(await settings.getByLabel('PCMA', { exact: true }).isChecked(), 'G.711 A-law is offered');

  // a port below 1024: the device refuses it, and says so at the field
  await settings.getByLabel('SIP port (UDP and TCP)').fill('80');
  await settings.getByRole('button', { name: 'Save' }).click();
  const portError = settings.locator('.field', { has: page.getByLabel('SIP port (UDP and TCP)') }).getByRole('alert');
  await portError.waitFor();
  t.match(await portError.textContent(), /SIP\.Port/, `the device's refusal at the port field: ${await portError.textContent()}`);
  t.equal(await settings.getByLabel('SIP port (UDP and TCP)').getAttribute('aria-invalid'), 'true');

  await settings.getByLabel('SIP port (UDP and TCP)').fill('5060');
  await settings.getByLabel('Enable SIP').check();
  await settings.getByLabel('Allow incoming calls').check();
  await settings.getByLabel('RTP start port').fill('26000');
  await settings.getByLabel('RTP end port').fill('26099');
  await settings.getByRole('button', { name: 'Save' }).click();
  await settings.getByText('SIP settings saved.').waitFor();

  // a registered account at the PBX; the password is write-only
  const accounts = page.locator('section', { has: page.getByRole('heading', { name: 'SIP accounts' }) });
  const add = accounts.getByRole('form', { name: 'Add account' });
  await add.getByLabel('Name', { exact: true }).fill('PBX');
  await add.getByLabel('User ID').fill('1001');
  await add.getByLabel('Password').fill('pbx-secret-9');
  await add.getByLabel('Registrar').fill(PBX);
  await add.getByLabel('Default account').check();
  // a proxy (the PBX itself) with a priority out of range: the device's refusal at the proxies
  await add.getByRole('button', { name: 'Add proxy' }).click();
  await add.getByLabel('Proxy 1 address').fill(PBX);
  await add.getByLabel('Proxy 1 priority').fill('0');
  await add.getByRole('button', { name: 'Add account' }).click();
  const proxyError = add.locator('fieldset', { has: page.getByText('Proxies', { exact: true }) }).getByRole('alert');
  await proxyError.waitFor();
  t.match(await proxyError.textContent(), /priority must be an integer 1–100/, `the refusal at the proxies: ${await proxyError.textContent()}`);
  await add.getByLabel('Proxy 1 priority').fill('1');
  await add.getByRole('button', { name: 'Add account' }).click();
  await accounts.getByText('Account added.').waitFor();
  const row = accounts.getByRole('row', { name: /PBX/ });
  await row.getByText('Registered', { exact: true }).waitFor({ timeout: 20_000 });
  t.pass('the account registered at SIPp (status from the device)');
  t.notOk((await page.content()).includes('pbx-secret-9'), 'the password is not on the page');
  await row.getByRole('button', { name: 'Edit PBX' }).click();
  const edit = accounts.getByRole('form', { name: 'Edit PBX' });
  t.equal(await edit.getByLabel('Password').inputValue(), '', 'the password is never shown back');
  t.equal(await edit.getByLabel('Proxy 1 address').inputValue(), PBX, 'the proxy is stored');
  await edit.getByRole('button', { name: 'Cancel' }).click();

  // the test call: from the PBX account (now the default) to a user at the PBX
  const call = page.locator('section', { has: page.getByRole('heading', { name: 'Test call' }) });
  await call.getByLabel('From account').selectOption({ label: 'PBX' });
  await call.getByLabel('SIP address').fill('not a uri');
  await call.getByRole('button', { name: 'Call', exact: true }).click();
  await call.getByText('Enter a SIP address').waitFor();
  await call.getByLabel('SIP address').fill(`sip:1002@${PBX}`);
  await call.getByRole('button', { name: 'Call', exact: true }).click();
  const state = call.locator('#sip-test-call-state');
  await state.getByText(/Call state: (Calling|Ringing)/).waitFor();
  t.pass(`the call is placed: ${await state.textContent()}`);
  await state.getByText(/Call state: Active/).waitFor({ timeout: 20_000 });
  t.match(await state.textContent(), /PCMA/, 'active with the codec SIPp answered');
  const calls = page.locator('section', { has: page.getByRole('heading', { name: 'Calls', exact: true }) });
  await calls.getByRole('row', { name: new RegExp(`sip:1002@${PBX.replaceAll('.', '\\.')}`) }).getByText(/Active/).waitFor();
  t.pass('the call status list shows it');
  await screenshot(page, 'sip-call-active');
  await call.getByRole('button', { name: 'End call' }).click();
  await state.getByText(/Call state: Terminated/).waitFor();
  t.equal(await pbxDone, 0, `SIPp took the REGISTER, the INVITE and the device's BYE ${pbxErr}`);

  // a DTMF sequence with its description
  const dtmf = page.locator('section', { has: page.getByRole('heading', { name: 'DTMF sequences' }) });
  await dtmf.getByLabel('Sequence').fill('12x');
  await dtmf.getByRole('button', { name: 'Add sequence' }).click();
  await dtmf.getByText('Use 1 to 32 of').waitFor();
  await dtmf.getByLabel('Sequence').fill('12#');
  await dtmf.getByLabel('Description').fill('stop audio');
  await dtmf.getByRole('button', { name: 'Add sequence' }).click();
  await dtmf.getByRole('row', { name: /12#/ }).getByText('stop audio').waitFor();
  t.pass('the sequence is listed');

  for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(vp);
    t.same(await axeViolations(page), [], `axe-core ${size}`);
    await screenshot(page, `sip-${size}`);
  }
  t.same(w.errors, [], 'no console errors');
  t.same(w.failed, [], 'no failed requests');
  t.same(w.refused, ['401 GET /api/v1/session', '400 POST /vapix/call'], 'no refused requests but the session check before the login and the refused proxy');
});
