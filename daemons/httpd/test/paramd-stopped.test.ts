import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { PARAMD, RpcCaller, T } from '@belfry/core';
import { freePorts, startTestBus } from '@belfry/core/testing';
import { daemon as httpd } from '../src/main.js';

// paramd in a process of its own (so it can be stopped), httpd in this one
const RUN_PARAMD = join(import.meta.dirname, '../../paramd/test/fixtures/run-paramd.ts');

function get(port: number, path: string, auth?: string): Promise<{ status: number; body: string; challenge?: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, headers: auth ? { Authorization: auth } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, challenge: res.headers['www-authenticate'] as string | undefined }));
    });
    r.on('error', reject);
    r.end();
  });
}

async function digestGet(port: number, path: string, user: string, password: string) {
  const ch = (await get(port, path)).challenge!;
  const realm = /realm="([^"]*)"/.exec(ch)![1]!;
  const nonce = /nonce="([^"]*)"/.exec(ch)![1]!;
  const cnonce = randomBytes(8).toString('hex');
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const response = md5(`${md5(`${user}:${realm}:${password}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`GET:${path}`)}`);
  return get(port, path, `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}"`);
}

t.test('an update through httpd while paramd is stopped: 503 for the client, and never applied after', async (t) => {
  const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  process.env.HTTP_PORT = String(httpPort);
  process.env.HTTPS_PORT = String(httpsPort);
  const tb = await startTestBus(['paramd', 'httpd', 'tester']);
  t.teardown(() => tb.stop());
  const watcher = await tb.connect('tester');
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_PARAMD, tb.root], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BELFRY_LOG_LEVEL: 'warn' } });
  t.teardown(() => {
    child.kill('SIGCONT');
    child.kill('SIGTERM');
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve) => {
    void watcher.subscribe(T.state('paramd'), (_t, p) => {
      const s = JSON.parse(p.toString()) as { state: string; pid: number };
      if (s.state === 'ready' && s.pid === child.pid) resolve();
    });
  });
  await tb.run(httpd);
  const created = await get(httpPort, '/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz');
  t.match(created.body, /Created account root/);

  const rpc = new RpcCaller(watcher);
  t.teardown(() => rpc.close());
  const read = async () => (await rpc.client(PARAMD).get({ names: ['Audio.MaxListeners'] })).params['Audio.MaxListeners'];
  const before = await read();
  t.not(before, '7');

  process.kill(child.pid!, 'SIGSTOP');
  const r = await digestGet(httpPort, '/axis-cgi/param.cgi?action=update&Audio.MaxListeners=7', 'root', 'pass1');
  t.equal(r.status, 503, 'httpd answers 503 once its call to paramd times out');
  process.kill(child.pid!, 'SIGCONT');

  t.equal(await read(), before, 'the update was not applied when paramd resumed');
  while (!log.includes('dropped: deadline passed')) await new Promise((r) => setTimeout(r, 20));
  t.match(log, /"method":"update","caller":"httpd".*"msg":"dropped: deadline passed"/, 'paramd logged the drop');
});
