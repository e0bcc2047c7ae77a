// Headless Chromium (Debian's) for the web UI's tests and the bench: one launch, pages that record
// console errors, failed requests and error answers, axe-core run inside the page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import axe from 'axe-core';

export const ARTIFACTS = join(import.meta.dirname, 'artifacts');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export interface Watched {
  page: Page;
  /** console errors and page errors (CSP refusals among them) */
  errors: string[];
  /** requests that got no answer */
  failed: string[];
  /** answers ≥ 400, as `STATUS METHOD path` */
  refused: string[];
}

export async function watchedPage(browser: Browser, origin: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: origin });
  const page = await context.newPage();
  const w: Watched = { page, errors: [], failed: [], refused: [] };
  page.on('console', (m) => {
    // a refused request is logged by Chromium too; those are checked as `refused`
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('requestfailed', (r) => w.failed.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) w.refused.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return w;
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  // evaluated through the DevTools protocol: the page's CSP (no inline script) stays as served
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  });
  return found;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The strongest level of a tone (dB, relative to full scale) in 16-bit PCM: Goertzel over 50 ms windows. */
export function toneDb(pcm: Int16Array, hz: number, rate = 16000): number {
  const n = rate / 20;
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let best = -Infinity;
  for (let start = 0; start + n <= pcm.length; start += n) {
    let s1 = 0;
    let s2 = 0;
    for (let i = start; i < start + n; i++) {
      const s0 = pcm[i]! / 32768 + k * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - k * s1 * s2;
    best = Math.max(best, 10 * Math.log10((4 * power) / (n * n) + 1e-12));
  }
  return best;
}

/** Whether the simulated speaker played a tone of `hz` within the last second, asked for up to 5 s (bench capture). */
export async function heard(bench: string, hz: number): Promise<number> {
  let db = -Infinity;
  for (let i = 0; i < 20 && db < -30; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const wav = Buffer.from(await (await fetch(`${bench}/bench/audio/speaker?ms=1000`)).arrayBuffer());
    db = toneDb(new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length - ((wav.length - 44) % 2))), hz);
  }
  return db;
}

/** Logs in through the login page as an installer does, and waits for the Status page. */
export async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
}
