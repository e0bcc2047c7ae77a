import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { launch, wait } from '../../launcher/test/boot.js';
import { axeViolations, DESKTOP, launchBrowser, logIn, PHONE, screenshot, watchedPage } from './browser.js';

/**
 * The Security page on a device booted by the launcher, in headless Chromium: a self-signed
 * certificate made on the page, its CSR signed by a CA the test makes with openssl, the signed
 * certificate installed and selected for HTTPS, then served (a TLS client checking chain and SAN);
 * a PKCS#12 file with a wrong passphrase refused with the device's words; the firewall card;
 * axe-core and screenshots at both widths and themes.
 */
t.setTimeout(240_000);
const PASS = 'Security-ui-secret-9';
const ALIAS = 'ui-https';

const dir = mkdtempSync(join(tmpdir(), 'secui-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** The certificate the device serves on HTTPS, verified against `ca` for the name 127.0.0.1. */
function served(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: undefined }, () => {
      const raw = s.getPeerX509Certificate();
      s.end();
      if (raw) resolve(raw);
      else reject(new Error('no certificate'));
    });
    s.on('error', reject);
  });
}

t.test('the Security page drives certd', async (t) => {
  const dev = await launch(t);
  await dev.ready();
  const origin = `http://127.0.0.1:${dev.httpPort}`;
  t.equal((await fetch(`${origin}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=${PASS}&grp=users&sgrp=viewer:operator:admin`)).status, 200, 'the administrator');
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const w = await watchedPage(browser, origin);
  const { page } = w;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const expected = ['401 GET /api/v1/session'];
  await logIn(page, 'root', PASS);
  await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
  await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
  const certs = page.locator('#certificates');
  await certs.getByRole('row', { name: /Belfry default HTTPS/ }).waitFor();

  await t.test('the factory certificates listed: the HTTPS one marked, the device ID fixed', async (t) => {
    const factory = certs.getByRole('row', { name: /Belfry default HTTPS/ });
    t.match(await factory.textContent(), /HTTPS.*EC P-256/, 'serves HTTPS, read from its PEM');
    t.equal(await factory.getByRole('button', { name: /Delete/ }).count(), 0, 'the HTTPS certificate cannot be deleted');
    const id = certs.getByRole('row', { name: /Belfry device ID/ });
    t.match(await id.textContent(), /cannot be deleted/, 'the device ID says it is fixed');
    t.equal(await id.getByRole('button', { name: /Delete|Use for HTTPS/ }).count(), 0, 'no delete, no HTTPS use');
  });

  await t.test('self-signed → CSR → signed by a CA → installed → selected for HTTPS → served', async (t) => {
    const form = certs.getByRole('group', { name: 'Create a self-signed certificate' });
    await form.getByLabel('Name', { exact: true }).fill(ALIAS);
    await form.getByLabel('Key type').selectOption('EC-P256');
    await form.getByLabel('Subject', { exact: true }).fill('CN=127.0.0.1,O=Belfry UI test');
    await form.getByLabel('Subject alternative names').fill('IP:127.0.0.1, localhost');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.getByText(`Created “${ALIAS}”.`).waitFor();
    const row = certs.getByRole('row', { name: new RegExp(ALIAS) });
    t.match(await row.textContent(), /CN=127\.0\.0\.1,O=Belfry UI test.*IP:127\.0\.0\.1, DNS:localhost.*Self-signed/, 'listed with subject, SANs, self-signed');

    await row.getByRole('button', { name: `CSR: ${ALIAS}` }).click();
    await certs.getByRole('button', { name: `Create a signing request for ${ALIAS}` }).click();
    const box = certs.getByLabel(`Signing request (PEM) for ${ALIAS}: send it to your certificate authority`);
    await box.waitFor();
    const csr = await box.inputValue();
    t.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n/, 'the CSR shown as PEM');
    await certs.getByRole('button', { name: 'Copy' }).click();
    await certs.getByText('Copied.').waitFor();
    t.equal(await page.evaluate(() => navigator.clipboard.readText()), csr, 'copied as shown');
    const download = page.waitForEvent('download');
    await certs.getByRole('button', { name: 'Download' }).click();
    t.equal((await download).suggestedFilename(), `${ALIAS}.csr`, 'downloaded');

    writeFileSync(join(dir, 'req.csr'), csr);
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Belfry UI test CA', '-days', '2');
    ssl('x509', '-req', '-in', 'req.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-copy_extensions', 'copy', '-out', 'signed.pem');
    const signed = readFileSync(join(dir, 'signed.pem'), 'utf8');
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');

    await row.getByRole('button', { name: `Install signed: ${ALIAS}` }).click();
    await certs.getByLabel(`Signed certificate for ${ALIAS}`, { exact: true }).fill(signed);
    await certs.getByRole('button', { name: 'Install', exact: true }).click();
    await row.filter({ hasText: 'CN=Belfry UI test CA' }).waitFor();
    t.pass('the row shows the CA as issuer');

    // selected from a page served over HTTPS itself (the factory certificate, not trusted here):
    // the switch must not break the page that asked for it
    const hctx = await browser.newContext({ viewport: DESKTOP, baseURL: `https://127.0.0.1:${dev.httpsPort}`, ignoreHTTPSErrors: true });
    t.teardown(() => hctx.close());
    const hp = await hctx.newPage();
    await hp.goto('/login');
    await hp.getByLabel('User name').fill('root');
    await hp.getByLabel('Password').fill(PASS);
    await hp.getByRole('button', { name: 'Log in' }).click();
    await hp.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
    await hp.goto('/security');
    const hcerts = hp.locator('#certificates');
    const hrow = hcerts.getByRole('row', { name: new RegExp(ALIAS) });
    await hrow.getByRole('button', { name: `Use for HTTPS: ${ALIAS}` }).click();
    await hcerts.getByText(`HTTPS now serves “${ALIAS}”.`, { exact: false }).waitFor();
    await hrow.getByText('HTTPS', { exact: true }).waitFor();
    t.equal(await hcerts.getByRole('row', { name: /Belfry default HTTPS/ }).getByRole('button', { name: /Delete/ }).count(), 1, 'the old one may be deleted now');
    let cert: X509Certificate | undefined;
    for (let i = 0; i < 40 && !cert; i++) {
      cert = await served(dev.httpsPort, ca).catch(() => undefined);
      if (!cert) await wait(250);
    }
    t.ok(cert, 'HTTPS serves a certificate that chains to the test CA and names 127.0.0.1');
    t.equal(cert?.fingerprint256, new X509Certificate(signed).fingerprint256, 'the one installed on the page');

    await hp.reload();
    await hcerts.getByRole('row', { name: new RegExp(`${ALIAS}.*HTTPS`) }).waitFor();
    t.pass('the HTTPS page still works after the switch (reloaded on the new certificate), the selection read back');
    await page.reload();
    await certs.getByRole('row', { name: new RegExp(`${ALIAS}.*HTTPS`) }).waitFor();

    const cas = page.locator('#ca-certificates');
    const before = Number(/\d+/.exec((await cas.locator('summary').textContent())!)![0]);
    const add = cas.getByRole('group', { name: 'Add a CA certificate' });
    await add.getByLabel('Name', { exact: true }).fill('UI test CA');
    await add.getByLabel('Certificate', { exact: true }).fill(ca);
    await add.getByRole('button', { name: 'Add' }).click();
    await cas.getByText(`Show the ${before + 1} CA certificates`).waitFor();
    await cas.locator('summary').click();
    t.match(await cas.getByRole('row', { name: /UI test CA/ }).textContent(), /CN=Belfry UI test CA/, 'the CA added and listed');
  });

  await t.test('import: a key that does not match, a wrong PKCS#12 passphrase — the device’s errors', async (t) => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'p12.key', '-out', 'p12.pem', '-subj', '/CN=p12', '-days', '2');
    ssl('pkcs12', '-export', '-in', 'p12.pem', '-inkey', 'p12.key', '-passout', 'pass:right-one', '-out', 'a.p12');
    const form = certs.getByRole('group', { name: 'Import a certificate' });
    await form.getByLabel('Name', { exact: true }).fill('mismatch');
    await form.getByLabel('Certificate', { exact: true }).fill(readFileSync(join(dir, 'p12.pem'), 'utf8'));
    await form.getByLabel('Private key from a file').setInputFiles(join(dir, 'ca.key'));
    await page.waitForFunction(() => [...document.querySelectorAll('textarea')].some((e) => e.value.includes('PRIVATE KEY')));
    await form.getByRole('button', { name: 'Import' }).click();
    await form.getByRole('alert').filter({ hasText: 'does not match the private key' }).waitFor();
    expected.push('400 POST /config/rest/cert/v1/certificates');
    t.equal(await certs.getByRole('row', { name: /mismatch/ }).count(), 0, 'a key that does not match: the device’s words, nothing stored');
    await form.getByLabel('PKCS#12 file (.p12, .pfx)').check();
    await form.getByLabel('Name', { exact: true }).fill('from-p12');
    await form.getByLabel('PKCS#12 file', { exact: true }).setInputFiles(join(dir, 'a.p12'));
    await form.getByLabel('Passphrase').fill('wrong-one');
    await form.getByRole('button', { name: 'Import' }).click();
    t.match(await form.getByRole('alert').textContent(), /wrong passphrase/, 'the device’s words');
    expected.push('400 POST /config/rest/cert/v1/install_from_pkcs12');
    t.equal(await certs.getByRole('row', { name: /from-p12/ }).count(), 0, 'nothing stored');
    await form.getByLabel('Passphrase').fill('right-one');
    await form.getByRole('button', { name: 'Import' }).click();
    await form.getByText('Imported “from-p12”.').waitFor();
    t.match(await certs.getByRole('row', { name: /from-p12/ }).textContent(), /CN=p12.*RSA 2048/, 'the right one imported and listed');
    page.once('dialog', (d) => void d.accept());
    await certs.getByRole('button', { name: 'Delete from-p12' }).click();
    await certs.getByRole('row', { name: /from-p12/ }).waitFor({ state: 'detached' });
    t.pass('deleted after a confirmation');
  });

  await t.test('the whole page at both widths and themes: axe-core, screenshots', async (t) => {
    await page.locator('#firewall').getByText(/firewall/i).first().waitFor();
    for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(vp);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        t.same(await axeViolations(page), [], `${size} ${scheme}: axe-core`);
        await screenshot(page, `security-${size}-${scheme}`);
      }
    }
    await page.setViewportSize(DESKTOP);
  });

  t.same(w.errors, [], 'no console errors');
  t.same(w.failed, [], 'no failed requests');
  t.same(w.refused.filter((r) => !expected.includes(r)), [], `no refusals but the deliberate ones (${w.refused.join('; ')})`);
});
