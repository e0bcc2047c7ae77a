import t from 'tap';
import { Agent, get as httpsGet } from 'node:https';
import { launch } from '../../launcher/test/boot.js';
import { axeViolations, DESKTOP, launchBrowser, logIn, PHONE, screenshot, watchedPage } from './browser.js';

/**
 * The Security page's firewall card against firewalld on a device booted by the launcher, in
 * headless Chromium: a bad CIDR refused with error 100's text at its field and nothing applied;
 * a rule added, tested with the device's countdown, confirmed and read back; a test rolled back;
 * axe-core with the editor open at both widths and themes.
 */
t.setTimeout(240_000);
const PASS = 'Firewall-ui-secret-5';

t.test('the firewall card drives firewalld', async (t) => {
  const dev = await launch(t);
  await dev.ready();
  const origin = `http://127.0.0.1:${dev.httpPort}`;
  t.equal((await fetch(`${origin}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=${PASS}&grp=users&sgrp=viewer:operator:admin`)).status, 200, 'the administrator');
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const w = await watchedPage(browser, origin);
  const { page } = w;
  // what the device holds, asked beside the page (Basic over HTTPS, as KF asks)
  const agent = new Agent({ rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  const auth = `Basic ${Buffer.from(`root:${PASS}`).toString('base64')}`;
  const api = (path: string) =>
    new Promise<unknown>((resolve, reject) => {
      const r = httpsGet({ host: '127.0.0.1', port: dev.httpsPort, path: `/config/rest/firewall/v1${path}`, agent, headers: { authorization: auth } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve((JSON.parse(body) as { data: unknown }).data));
      });
      r.on('error', reject);
    });
  const rules = async () => (await api('/conf/rules')) as { activeRules: unknown[]; testTimeLeft: number };
  const expected = ['401 GET /api/v1/session'];
  await logIn(page, 'root', PASS);
  await page.goto('/security#firewall');
  const fw = page.locator('#firewall');
  const on = fw.getByLabel('Firewall activated');
  await on.waitFor();
  // the switch follows the device: it shows checked once firewalld has answered
  if (!(await on.isChecked())) await on.click();
  await fw.locator('input[type=checkbox]:checked').waitFor();
  t.equal(await api('/activated'), true, 'activated on the device');
  await fw.getByRole('button', { name: 'Test rules' }).and(page.locator(':enabled')).waitFor();

  await t.test('a bad CIDR: error 100 at its field, nothing applied', async (t) => {
    await fw.getByRole('button', { name: 'Add a rule' }).click();
    const rule = fw.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('IP address or network').fill('192.168.1.0/33');
    await fw.getByLabel('Test time (seconds)').fill('120');
    await fw.getByRole('button', { name: 'Test rules' }).click();
    const at = rule.locator('.field-error');
    await at.waitFor();
    t.match(await at.textContent(), /Invalid IP address/, 'the device’s text, at the field');
    expected.push('400 POST /config/rest/firewall/v1/conf/setRules');
    t.same((await rules()).activeRules, [], 'nothing applied');
  });

  await t.test('a rule tested with the countdown, then confirmed', async (t) => {
    const rule = fw.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('IP address or network').fill('127.0.0.0/8');
    await rule.getByLabel('Port match').selectOption('tcpPort');
    await rule.getByLabel('Port', { exact: true }).fill(String(dev.httpPort));
    await fw.getByRole('button', { name: 'Test rules' }).click();
    const timer = fw.getByTestId('fw-countdown');
    await timer.waitFor();
    const first = Number(/(\d+) s/.exec((await timer.textContent())!)![1]);
    t.ok(first > 0 && first <= 120, `counting down from the fallback time (${first} s)`);
    await page.waitForFunction((f) => Number(/(\d+) s/.exec(document.querySelector('[data-testid=fw-countdown]')?.textContent ?? '')?.[1]) < f, first);
    t.pass('the device’s countdown moves');
    for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(vp);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        t.same(await axeViolations(page), [], `testing, ${size} ${scheme}: axe-core`);
        await screenshot(page, `firewall-test-${size}-${scheme}`);
      }
    }
    await page.setViewportSize(DESKTOP);
    await fw.getByRole('button', { name: 'Confirm rules' }).click();
    await fw.getByText('The new rules are kept.').waitFor();
    const st = await rules();
    t.equal(st.testTimeLeft, 0, 'no test runs');
    t.match(st.activeRules, [{ ruleType: 'FILTER', ip: '127.0.0.0/8', tcpPort: dev.httpPort, filter: { policy: 'ACCEPT' } }], 'the rule kept by the device');
    await page.reload();
    t.equal(await fw.getByRole('group', { name: 'Rule 1' }).getByLabel('IP address or network').inputValue(), '127.0.0.0/8', 'read back after a reload');
  });

  await t.test('a test rolled back', async (t) => {
    await fw.getByRole('button', { name: 'Add a rule' }).click();
    await fw.getByRole('group', { name: 'Rule 2' }).getByLabel('Rule type').selectOption('LIMIT');
    await fw.getByRole('group', { name: 'Rule 2' }).getByLabel('IP address or network').fill('10.0.0.0/8');
    await fw.getByRole('button', { name: 'Test rules' }).click();
    await fw.getByTestId('fw-countdown').waitFor();
    await fw.getByRole('button', { name: 'Roll back' }).click();
    await fw.getByText('Rolled back to the previous rules.').waitFor();
    t.equal((await rules()).activeRules.length, 1, 'the confirmed rule only');
    t.equal(await fw.getByRole('group', { name: 'Rule 2' }).count(), 0, 'the editor shows the rules in force');
  });

  t.same(w.errors, [], 'no console errors');
  t.same(w.failed, [], 'no failed requests');
  t.same(w.refused.filter((r) => !expected.includes(r)), [], `no refusals but the deliberate ones (${w.refused.join('; ')})`);
});
