import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devicePaths, prettyPrinter } from '@belfry/core';
import { sim } from '@belfry/board';
import { parseArgs } from '../src/args.js';
import { LAUNCHER, launch, wait } from './boot.js';

const freshRoot = (t: { teardown(fn: () => unknown): void }) => {
  const root = mkdtempSync(join(tmpdir(), 'belfry-newcomer-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
};

t.test('--help lists the options and the environment; a bad argument says so', async (t) => {
  const help = spawnSync(process.execPath, [LAUNCHER, '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0, 'exit 0');
  for (const w of ['--root', '--layout', 'together', 'separate', '--only', 'HTTP_PORT', 'HTTPS_PORT', 'BENCH_PORT', 'BELFRY_ROOT', 'BELFRY_LOG_LEVEL', 'BELFRY_WATCHDOG_MS']) t.match(help.stdout, w, `mentions ${w}`);
  const bad = spawnSync(process.execPath, [LAUNCHER, '--layuot', 'x'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^launcher: unknown argument --layuot\n\nusage:/);
  t.same(parseArgs(['--layout', 'separate', '--only', 'paramd,httpd'], {}), { root: '/', layout: 'separate', only: ['paramd', 'httpd'] });
  t.same(parseArgs(['--together'], { BELFRY_ROOT: '/r' }), { root: '/r', layout: 'together' });
  t.throws(() => parseArgs(['--layout', 'sideways'], {}), /unknown layout sideways/);
  t.throws(() => parseArgs(['--only', 'nosuchd'], {}), /unknown daemon nosuchd/);
  t.throws(() => parseArgs(['--root'], {}), /--root needs a value/);
});

t.test('non-root on the default ports: one line that says what to do, and no retrying', async (t) => {
  // as root (CI) the launcher runs without CAP_NET_BIND_SERVICE; otherwise as the user running the tests
  const dev = await launch(t, { noLowPorts: true, env: { HTTP_PORT: undefined, HTTPS_PORT: undefined, RTSP_PORT: undefined, BELFRY_LOG_LEVEL: 'info' } });
  const line = await dev.next(/^belfry: httpd not restarted/);
  t.match(line, /^belfry: httpd not restarted: cannot listen on port 80: permission denied \(ports below 1024 need root\); run as root, or choose ports for this run with HTTP_PORT=8080 HTTPS_PORT=8443 RTSP_PORT=8554$/);
  await wait(1000); // a restart would come after 100 ms
  const all = [...dev.out, ...dev.err];
  // httpd's ports and eventd's RTSP port: each problem said once, in one line
  const said = all.filter((l) => /cannot listen|EACCES/.test(l));
  t.same(said.filter((l) => l !== line).map((l) => (JSON.parse(l) as { msg: string }).msg), ['rtsp: cannot listen on port 554: permission denied (ports below 1024 need root); run as root, or choose a port for this run with RTSP_PORT=8554'], 'eventd says it once');
  t.equal(said.filter((l) => l === line).length, 1, 'httpd says it once');
  t.notOk(all.some((l) => /^\s+at |"stack"/.test(l)), 'no stack trace');
  t.notOk(all.some((l) => /httpd exited/.test(l)), 'not restarted');
  t.equal(dev.proc.exitCode, null, 'the other daemons keep running');
});

t.test('HTTP_PORT and HTTPS_PORT win over the stored ports for the run, without rewriting them', async (t) => {
  const root = freshRoot(t);
  const first = await launch(t, { root });
  await first.ready();
  first.proc.kill('SIGTERM');
  await first.exited;
  const second = await launch(t, { root });
  const status = await second.ready();
  t.equal(status.http, `http://127.0.0.1:${second.httpPort}`, 'the new HTTP port');
  t.equal(status.https, `https://127.0.0.1:${second.httpsPort}`, 'the new HTTPS port');
  const stored = readFileSync(join(devicePaths(root).state, 'paramd/params.json'), 'utf8');
  t.match(stored, `"HTTPS.Port":"${first.httpsPort}"`, 'the stored HTTPS port is unchanged');
  t.match(stored, `"Network.HTTP.Port":"${first.httpPort}"`, 'the stored HTTP port is unchanged');
});

t.test('the bench keeps its port from one start to the next, in run/belfry/bench.url', async (t) => {
  const root = freshRoot(t);
  const port = sim.defaultBenchPort(root);
  t.ok(port >= 20_000 && port <= 31_999, 'derived from the root, below the ephemeral range');
  const urlFile = join(devicePaths(root).run, 'bench.url');
  for (let i = 0; i < 2; i++) {
    const dev = await launch(t, { root, env: { BENCH_PORT: undefined } });
    const status = await dev.ready();
    t.equal(status.bench, `http://127.0.0.1:${port}`, `start ${i + 1}: the root's port`);
    t.equal(readFileSync(urlFile, 'utf8'), `${status.bench}\n`, 'bench.url');
    dev.proc.kill('SIGTERM');
    await dev.exited;
  }
  // taken: any free port, said in the log
  const squatter = createServer().listen(port, '127.0.0.1');
  t.teardown(() => squatter.close());
  await new Promise((r) => squatter.once('listening', r));
  const dev = await launch(t, { root, env: { BENCH_PORT: undefined, BELFRY_LOG_LEVEL: 'info' } });
  const status = await dev.ready();
  t.not(status.bench, `http://127.0.0.1:${port}`);
  t.equal((await fetch(`${status.bench}/bench/state`)).status, 200, 'the bench answers on its fallback port');
  t.ok(dev.out.some((l) => l.includes('bench port taken')), 'said in the log');
});

t.test('BENCH_PORT chooses the bench port', async (t) => {
  const root = freshRoot(t);
  const [port] = await (await import('@belfry/core/testing')).freePorts(1);
  const dev = await launch(t, { root, env: { BENCH_PORT: String(port) } });
  t.equal((await dev.ready()).bench, `http://127.0.0.1:${port}`);
});

t.test('a normal start and a Ctrl-C print no warning and no stack trace', async (t) => {
  const dev = await launch(t, { group: true });
  await dev.ready();
  await wait(500); // anything said right after systemready counts too
  process.kill(-dev.proc.pid!, 'SIGINT');
  t.equal(await dev.exited, 0, 'exit 0');
  t.same(dev.err, [], 'nothing on stderr (mosquitto says nothing about root)');
  t.same(
    dev.out.filter((l) => !/^belfry: (systemready \{|stopped$)/.test(l)),
    [],
    'stdout holds the systemready and stopped lines only (the log level is warn)',
  );
});

t.test('log lines are human-readable for a terminal', async (t) => {
  const pretty = await prettyPrinter(false);
  const line = pretty(JSON.stringify({ level: 40, time: Date.now(), daemon: 'paramd', name: 'paramd', msg: 'ready' }));
  t.match(line, /WARN.*paramd: ready\n$/);
  t.notMatch(line, /"level"/);
  t.equal(pretty('belfry: systemready {}'), 'belfry: systemready {}\n', 'other lines as they are');
});

t.test('on a terminal the launcher prints human-readable lines (the build, under script(1))', async (t) => {
  const root = freshRoot(t);
  const [http, https] = await (await import('@belfry/core/testing')).freePorts(2);
  const cmd = `${process.execPath} ${LAUNCHER} --root ${root}`;
  const env = { ...process.env, BELFRY_LOG_LEVEL: 'info', HTTP_PORT: String(http), HTTPS_PORT: String(https), BENCH_PORT: '0' };
  const proc = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const exited = new Promise((r) => proc.once('exit', r));
  t.teardown(async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  });
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no systemready on the terminal:\n${text}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (/belfry: systemready \{/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  t.match(plain, /INFO: paramd: ready/, 'pretty lines');
  t.notMatch(plain, /"level":/, 'no JSON');
  process.kill(Number(readFileSync(join(devicePaths(root).run, 'launcher.pid'), 'utf8')), 'SIGTERM');
  await exited;
});
