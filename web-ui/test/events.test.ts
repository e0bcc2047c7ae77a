import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { wavFile } from '@belfry/board';
import { launch } from '../../launcher/test/boot.js';
import { axeViolations, DESKTOP, heard, launchBrowser, logIn, PHONE, screenshot, watchedPage } from './browser.js';

/**
 * The Events page end to end on one device booted by the launcher, in one headless Chromium: a rule
 * "virtual input 1 active → play a clip" made in the editor and heard on the simulated speaker
 * when the input is flipped on the page, a manual trigger's state following the device; the device's condition limit refused at the form; a
 * recipient refused with the device's error at its field, another tested against a real TCP
 * server and saved with a write-only password; a schedule made with the friendly editor and
 * listed, a pulse the device refuses; axe-core and screenshots at both widths and both themes.
 */
t.setTimeout(240_000);
const PASS = 'Events-test-secret-7';
const TONE_HZ = 987;

t.test('the Events page drives eventd', async (t) => {
  const dev = await launch(t);
  const st = await dev.ready();
  const origin = `http://127.0.0.1:${dev.httpPort}`;
  const bench = st.bench!;
  t.equal((await fetch(`${origin}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=${PASS}&grp=users&sgrp=viewer:operator:admin:ptz`)).status, 200, 'the administrator');
  // a TCP server the recipient test sends its line to
  const received: string[] = [];
  const tcp = createServer((s: Socket) => s.on('data', (d) => received.push(d.toString())));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  t.teardown(() => tcp.close());
  const tcpPort = (tcp.address() as { port: number }).port;

  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const w = await watchedPage(browser, origin);
  const { page } = w;
  const expected = ['401 GET /api/v1/session'];

  await logIn(page, 'root', PASS);
  await page.getByRole('link', { name: 'Audio' }).click();
  const tone = Int16Array.from({ length: 16000 * 1.5 }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * TONE_HZ * i) / 16000)));
  await page.getByLabel(/^Audio file/).setInputFiles({ name: 'tone.wav', mimeType: 'audio/wav', buffer: wavFile(tone, 16000) });
  await page.getByLabel(/^Name/).fill('Event tone');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByText('Uploaded “Event tone”.').waitFor();
  await page.getByRole('link', { name: 'Events' }).click();
  await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
  const rules = page.locator('#rules');

  await t.test('a rule made in the editor: virtual input 1 active plays the clip, heard on the speaker', async (t) => {
    await rules.getByRole('button', { name: 'Add a rule' }).click();
    const form = rules.getByRole('group', { name: 'Add a rule' });
    await form.getByLabel('Name', { exact: true }).fill('Trigger plays tone');
    await form.getByLabel('Event').selectOption({ label: 'Virtual input' });
    t.equal(await form.getByLabel('Port number').inputValue(), '1', 'the first port by default');
    t.equal(await form.getByLabel('Active').inputValue(), '1', 'and its state "active"');
    await form.getByLabel('Action to perform').selectOption({ label: 'Play audio clip' });
    await form.getByRole('button', { name: 'Save' }).click();
    t.match(await form.getByText('Required.').first().textContent(), /Required/, 'the clip is required: said at the field, nothing sent');
    await form.getByLabel('Clip').selectOption({ label: 'Event tone' });
    await form.getByLabel(/^Volume/).fill('2000');
    await form.getByRole('button', { name: 'Save' }).click();
    t.match(await form.getByText(/whole number from 0 to 1000/).textContent(), /0 to 1000/, 'a volume out of the declared range: said at the field');
    await form.getByLabel(/^Volume/).fill('100');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = rules.getByRole('row', { name: /Trigger plays tone/ });
    await row.waitFor();
    t.match(await row.textContent(), /Virtual input \(Port number 1, Active Yes\).*Play audio clip: Event tone/, 'listed with its condition and action');
    t.ok(await row.getByRole('checkbox', { name: 'Enable Trigger plays tone' }).isChecked(), 'enabled');

    const trig = page.locator('#manual-trigger');
    await trig.getByRole('button', { name: 'Turn Virtual input 1 on' }).click();
    await trig.getByTestId('input-state').filter({ hasText: 'Virtual input 1 is on.' }).waitFor();
    const db = await heard(bench, TONE_HZ);
    t.ok(db > -30, `the speaker played the ${TONE_HZ} Hz clip (${db.toFixed(1)} dBFS)`);
    await page.getByRole('link', { name: 'Status' }).click();
    const summary = page.locator('section', { hasText: 'rules enabled' });
    t.match(await summary.textContent(), /1 of 7 rules enabled\.Active now: Trigger plays tone\./, 'the Status page says which rule is active');
    await summary.getByRole('link', { name: 'Go to the rules' }).click();
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    await trig.getByRole('button', { name: 'Turn Virtual input 1 off' }).click();
    await trig.getByTestId('input-state').filter({ hasText: 'Virtual input 1 is off.' }).waitFor();
    await trig.getByLabel('Manual trigger port').selectOption('7');
    await trig.getByRole('button', { name: 'Turn Manual trigger 7 on' }).click();
    await trig.getByText('On now: 7.').waitFor();
    // turned off elsewhere (the same API, not through the page's controls): the page follows
    const off = await page.evaluate(async () => {
      const { csrfToken } = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      return (await fetch('/api/v1/events/manual-triggers/7', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken }, body: '{"active":false}' })).status;
    });
    t.equal(off, 200);
    await trig.getByTestId('trigger-state').filter({ hasText: 'Manual trigger 7 is off.' }).waitFor();
    t.pass('the manual trigger’s state follows the device (polled)');
  });

  await t.test('the rule disabled by its switch; the condition limit is the device’s', async (t) => {
    const row = rules.getByRole('row', { name: /Trigger plays tone/ });
    await row.getByRole('checkbox', { name: 'Enable Trigger plays tone' }).uncheck();
    await row.getByText('No', { exact: true }).waitFor();
    t.pass('disabled, as the device answers');
    await row.getByRole('button', { name: 'Edit Trigger plays tone' }).click();
    const form = rules.getByRole('group', { name: 'Edit Trigger plays tone' });
    for (let n = 2; n <= 9; n++) {
      await form.getByRole('button', { name: 'Add a condition' }).click();
      await form.getByRole('group', { name: `Condition ${n}` }).getByLabel('Event').selectOption({ label: 'Virtual input' });
    }
    await form.getByRole('button', { name: 'Save' }).click();
    t.match(await form.locator('.field-error').first().textContent(), /conditions must NOT have more than 8 items/, 'nine conditions: the device’s refusal shown');
    expected.push(...w.refused.filter((r) => /^400 PUT \/api\/v1\/events\/rules\/\d+$/.test(r)));
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  await t.test('recipients: a bad address refused at its field; a TCP recipient tested and saved', async (t) => {
    const card = page.locator('#recipients');
    await card.getByRole('button', { name: 'Add recipient' }).click();
    const form = card.getByRole('group', { name: 'Add recipient' });
    await form.getByLabel('Name', { exact: true }).fill('Ops mail');
    await form.getByLabel('Type').selectOption({ label: 'Email' });
    await form.getByLabel(/^Send email to/).fill('not-an-address');
    await form.getByLabel(/^Send email from/).fill('speaker@example.com');
    await form.getByLabel(/^Host/).fill('127.0.0.1');
    await form.getByRole('button', { name: 'Save' }).click();
    const at = form.locator('.field', { has: page.getByLabel(/^Send email to/) }).getByRole('alert');
    t.match(await at.textContent(), /'email_to' holds an address that is not one: 'not-an-address'/, 'the device’s error, at the field');
    expected.push('400 POST /api/v1/events/recipients');

    await form.getByLabel('Type').selectOption({ label: 'TCP' });
    await form.getByLabel('Name', { exact: true }).fill('Log server');
    await form.getByLabel(/^Host/).fill('127.0.0.1');
    await form.getByLabel(/^Port/).fill(String(tcpPort));
    await form.getByRole('button', { name: 'Test' }).click();
    await form.getByText('The test message went through.').waitFor();
    t.match(received.join(''), /test message from your Belfry device/, 'the server got the test line');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = card.getByRole('row', { name: /Log server/ });
    t.match(await row.textContent(), new RegExp(`TCP127\\.0\\.0\\.1:${tcpPort}None`), 'listed');

    await card.getByRole('button', { name: 'Add recipient' }).click();
    const web = card.getByRole('group', { name: 'Add recipient' });
    await web.getByLabel('Name', { exact: true }).fill('Hook');
    await web.getByLabel('URL').fill('http://127.0.0.1:9/hook');
    await web.getByLabel(/^Password/).fill('hook-secret-9');
    await web.getByRole('button', { name: 'Save' }).click();
    const hook = card.getByRole('row', { name: /Hook/ });
    t.match(await hook.textContent(), /HTTP.*Set/, 'a password is set');
    await hook.getByRole('button', { name: 'Edit Hook' }).click();
    const edit = card.getByRole('group', { name: 'Edit Hook' });
    t.equal(await edit.getByLabel(/^Password/).inputValue(), '', 'never shown back');
    t.match(await edit.textContent(), /leave this blank to keep it unchanged/);
    t.notMatch(await page.content(), /hook-secret-9/, 'nowhere on the page');
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await hook.getByRole('button', { name: 'Copy Hook' }).click();
    const copy = card.getByRole('group', { name: 'Copy of Hook' });
    t.equal(await copy.getByLabel('URL').inputValue(), 'http://127.0.0.1:9/hook', 'a copy takes the settings');
    t.match(await copy.textContent(), /does not take the password/, 'but not the password');
    await copy.getByRole('button', { name: 'Save' }).click();
    t.match(await card.getByRole('row', { name: /Hook \(copy\)/ }).textContent(), /HTTP.*None/, 'saved without one');
  });

  await t.test('schedules: the defaults listed, one made with the editor, a pulse refused', async (t) => {
    const card = page.locator('#schedules');
    t.match(await card.getByRole('row', { name: /Office hours/ }).textContent(), /Monday, Tuesday, Wednesday, Thursday, Friday, 08:00–17:00/);
    t.match(await card.getByRole('row', { name: /After hours/ }).textContent(), /Every day, 18:00–08:00/);
    await card.getByRole('button', { name: 'Add schedule' }).click();
    const form = card.getByRole('group', { name: 'Add schedule' });
    await form.getByLabel('Name', { exact: true }).fill('Lunch');
    await form.getByLabel('Friday').uncheck();
    await form.getByLabel('From').fill('12:00');
    await form.getByLabel('To', { exact: true }).fill('13:30');
    await form.getByRole('button', { name: 'Save' }).click();
    t.match(await card.getByRole('row', { name: /Lunch/ }).textContent(), /Monday, Tuesday, Wednesday, Thursday, 12:00–13:30/, 'listed');
    await card.getByRole('button', { name: 'Add schedule' }).click();
    await form.getByLabel('Name', { exact: true }).fill('Too rare');
    await form.getByLabel('Kind').selectOption('every');
    await form.getByLabel('Every (minutes)').fill('5000');
    await form.getByRole('button', { name: 'Save' }).click();
    t.match(await form.getByRole('alert').textContent(), /INTERVAL/, 'the device’s refusal shown');
    expected.push('400 POST /api/v1/events/schedules');
    await form.getByRole('button', { name: 'Cancel' }).click();
    // the new schedule is offered by name in the rule editor
    await rules.getByRole('button', { name: 'Add a rule' }).click();
    await rules.getByLabel('Event').selectOption({ label: 'Scheduled event' });
    t.ok((await rules.getByLabel('Schedule').locator('option').allTextContents()).includes('Lunch'), 'the rule editor offers it by name');
    await rules.getByRole('button', { name: 'Cancel' }).click();
  });

  await t.test('keyboard, labels and contrast (axe-core), phone and desktop, light and dark', async (t) => {
    for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(vp);
      await rules.getByRole('button', { name: 'Add a rule' }).click();
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        t.same(await axeViolations(page), [], `/events with the rule editor open, ${size} ${scheme}`);
        await screenshot(page, `events-editor-${size}-${scheme}`);
      }
      await rules.getByRole('button', { name: 'Cancel' }).click();
    }
    await rules.getByRole('button', { name: 'Add a rule' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent === 'Name', undefined, { timeout: 5000 });
    t.pass('Enter opens the editor, its first field focused');
    await rules.getByRole('button', { name: 'Cancel' }).click();
  });

  t.same(w.errors, [], 'no console errors');
  t.same(w.failed, [], 'no failed requests');
  t.same(w.refused.filter((r) => !expected.includes(r)), [], `no refused requests but the deliberate ones (${w.refused.join('; ')})`);
});
