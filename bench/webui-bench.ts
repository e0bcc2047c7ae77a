// The web UI's budget, against a device booted by dist/launcher.mjs (run.mjs boots it):
//   node --import tsx bench/webui-bench.ts <httpPort> <httpdPid> [json options]
// 1. What the browser downloads: JS + CSS of dist/web-ui, raw, gzip and brotli (the precompressed
//    files httpd serves), and index.html.
// 2. First load to interactive in headless Chromium (Debian's), each run in a fresh browser context
//    (empty cache): navigation start → the page drawn with its data (an <h1>, nothing "Loading…"),
//    for the login page and for Status when logged in; then the same reloaded (warm cache).
// 3. httpd's memory (PSS) after the UI was used: every page visited, clips listed, logs read.
// Prints one JSON document on stdout.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../web-ui/test/browser.js';
import { NAV } from '../web-ui/src/pages.js';
import { latency, round } from './stats.mjs';

const [portArg, pidArg, optsJson] = process.argv.slice(2) as [string, string, string | undefined];
const opts = JSON.parse(optsJson ?? '{}') as { runs?: number };
const runs = opts.runs ?? 5;
const origin = `http://127.0.0.1:${portArg}`;
const DIST = join(import.meta.dirname, '../dist/web-ui');
const USER = 'root';
const PASSWORD = 'bench-webui-1';

function sizes() {
  const assets = readdirSync(join(DIST, 'assets'));
  const sum = (re: RegExp, ext = '') => assets.filter((f) => re.test(f)).reduce((n, f) => n + statSync(join(DIST, 'assets', f + ext)).size, 0);
  const code = /\.(js|css)$/;
  return {
    jsCssRawKB: round(sum(code) / 1024, 1),
    jsCssGzipKB: round(sum(code, '.gz') / 1024, 1),
    jsCssBrotliKB: round(sum(code, '.br') / 1024, 1),
    files: assets.filter((f) => code.test(f)),
    indexHtmlGzipB: statSync(join(DIST, 'index.html.gz')).size,
  };
}

/** ms from navigation start until the page shows its heading and nothing is loading. */
async function interactive(page: Page, path: string): Promise<number> {
  await page.goto(path);
  await page.waitForFunction(() => !!document.querySelector('h1') && !document.querySelector('[aria-busy="true"]'));
  return page.evaluate(() => performance.now());
}

async function firstLoads(browser: Browser, path: string, login: boolean) {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext({ baseURL: origin });
    if (login) await ctx.request.post('/api/v1/session', { data: { user: USER, password: PASSWORD } });
    const page = await ctx.newPage();
    cold.push(await interactive(page, path));
    warm.push(await interactive(page, path));
    await ctx.close();
  }
  return { coldMs: latency(cold), warmMs: latency(warm) };
}

function pssMB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return round(Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN) / 1024, 1);
}

async function useEveryPage(browser: Browser) {
  const ctx = await browser.newContext({ baseURL: origin });
  await ctx.request.post('/api/v1/session', { data: { user: USER, password: PASSWORD } });
  const page = await ctx.newPage();
  for (let round = 0; round < 3; round++) {
    for (const n of NAV) {
      await page.goto(n.path);
      await page.waitForFunction(() => !!document.querySelector('h1') && !document.querySelector('[aria-busy="true"]'));
    }
  }
  await ctx.close();
}

const pid = Number(pidArg);
const before = pssMB(pid);
const add = await fetch(`${origin}/api/v1/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: USER, password: PASSWORD, role: 'admin' }) });
if (add.status !== 201) throw new Error(`first admin: ${add.status} ${await add.text()}`);
const browser = await launchBrowser();
try {
  const login = await firstLoads(browser, '/', false);
  const status = await firstLoads(browser, '/status', true);
  await useEveryPage(browser);
  const rightAfter = pssMB(pid);
  // as http.httpd.pss: once httpd has been quiet long enough for its idle trim (two quiet 500 ms
  // checks, at most one trim per 5 s), which is what a device nobody is clicking on holds
  await new Promise((r) => setTimeout(r, 6000));
  const after = pssMB(pid);
  process.stdout.write(JSON.stringify({ runs, sizes: sizes(), firstLoad: { login, status }, httpdPssMB: { idle: before, rightAfterUse: rightAfter, afterUse: after } }) + '\n');
} finally {
  await browser.close();
}
