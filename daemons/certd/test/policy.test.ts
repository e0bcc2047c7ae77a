import t from 'tap';
import { request } from 'node:http';
import { join } from 'node:path';
import { PARAMD, RpcCaller } from '@belfry/core';
import { callerHeaders } from '@belfry/core/http';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as certd } from '../src/main.js';

function post(sock: string, path: string, data: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ data });
    const headers = { ...callerHeaders({ user: 'root', role: 'admin', via: 'digest', ptz: false, proto: 'https', addr: '127.0.0.1' }), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const r = request({ socketPath: sock, method: 'POST', path, headers }, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode ?? 0))));
    r.on('error', reject);
    r.end(body);
  });
}

/** The HTTPS certificate and `Cert.CryptoPolicy` are checked together: httpd is never left a key the policy forbids. */
t.test('a policy that forbids the HTTPS key, or an HTTPS key the policy forbids: vetoed, nothing changes', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, certd], users: ['tester'] });
  t.teardown(() => dev.stop());
  const rpc = new RpcCaller(await dev.tb.connect('tester'));
  t.teardown(() => rpc.close());
  const params = rpc.client(PARAMD);
  const sock = join(dev.tb.paths.run, 'certd', 'http.sock');
  const set = async (changes: Record<string, string>) => {
    try {
      await params.update({ changes, level: 'internal' });
      return 'ok';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  const get = async (name: string) => (await params.get({ names: [name], level: 'internal' })).params[name];
  t.equal(await post(sock, '/config/rest/cert/v1/create_certificate', { alias: 'rsa2048', subject: 'CN=rsa', key_type: 'RSA-2048' }), 200);
  t.equal(await set({ 'HTTPS.Certificate': 'rsa2048' }), 'ok', 'RSA 2048 under the default policy');
  t.equal(await set({ 'Cert.CryptoPolicy': 'modern' }), 'vetoed', 'modern (RSA ≥ 3072) while httpd serves RSA 2048: refused');
  t.equal(await get('Cert.CryptoPolicy'), 'default', 'the policy unchanged');
  t.equal(await set({ 'Cert.CryptoPolicy': 'modern', 'HTTPS.Certificate': 'Belfry default HTTPS' }), 'ok', 'the policy with an EC certificate in the same batch');
  t.equal(await set({ 'HTTPS.Certificate': 'rsa2048' }), 'vetoed', 'under modern, the RSA 2048 certificate cannot be selected');
  t.equal(await get('HTTPS.Certificate'), 'Belfry default HTTPS');
});
