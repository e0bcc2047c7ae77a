import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sim } from '@belfry/board';
import { provisionSimDeviceId } from '../src/store/device-id.js';
import { DEVICE_ID_ALIAS, deviceIdSource } from '../src/store/device-id-source.js';
import { code, filesWith, openssl, tempDir, testStore } from './helpers.js';

const who = { user: 'root', via: 'rest' as const };

t.test('the device ID: issued by a root and one intermediate, serialNumber subject, AKI/SKI; listed, readable, not deletable', async (t) => {
  const dir = tempDir(t);
  const factory = join(dir, 'factory');
  const security = sim.simSecurity(factory, '02BE1F0000AA');
  t.notOk(security.deviceId(), 'none before provisioning');
  await provisionSimDeviceId(security, '02BE1F0000AA');
  const id = security.deviceId()!;
  t.equal(id.chain.length, 2, 'intermediate and root');
  t.equal(await code(provisionSimDeviceId(security, '02BE1F0000AA')), String(new Error('the device identity is already provisioned')), 'provisioned once');
  const leaf = new X509Certificate(id.certificate);
  t.equal(leaf.subject, 'serialNumber=02BE1F0000AA');
  writeFileSync(join(dir, 'root.pem'), id.chain[1]!);
  writeFileSync(join(dir, 'inter.pem'), id.chain[0]!);
  writeFileSync(join(dir, 'leaf.pem'), id.certificate);
  t.match(openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'inter.pem', 'leaf.pem'], dir), /leaf\.pem: OK/, 'the chain verifies');
  const text = openssl(['x509', '-in', 'leaf.pem', '-noout', '-text'], dir);
  t.match(text, /Authority Key Identifier/);
  t.match(text, /Subject Key Identifier/);
  t.match(text, /9999/, 'no expiry (802.1AR)');
  t.same(filesWith(factory), [], 'its key is wrapped in the factory data');
  t.match(readFileSync(join(factory, 'device-id.json'), 'utf8'), /"wrappedKey":"v1\./);

  const { store } = await testStore(dir, { deviceId: await deviceIdSource(security) });
  const entry = store.get(DEVICE_ID_ALIAS)!;
  t.equal(entry.kind, 'device-id');
  t.equal(store.details(DEVICE_ID_ALIAS)!.chain.length, 2, 'listed with its chain');
  t.equal(await code(store.delete(DEVICE_ID_ALIAS, who)), 'failed_precondition', 'not deletable');
  t.equal(await code(store.replace(DEVICE_ID_ALIAS, id.chain[0]!, who)), 'failed_precondition', 'not replaceable');
  t.equal(await code(store.selectHttps(DEVICE_ID_ALIAS, who)), 'failed_precondition', 'not for HTTPS');
  t.equal(await code(store.create({ alias: DEVICE_ID_ALIAS, subject: 'CN=x' }, who)), 'already_exists', 'its alias is taken');
  const csr = await store.csr(DEVICE_ID_ALIAS, {});
  writeFileSync(join(dir, 'id.csr'), csr);
  t.match(openssl(['req', '-in', 'id.csr', '-verify', '-noout', '-subject'], dir), /serialNumber\s*=\s*02BE1F0000AA/, 'a CSR for its key');
  await store.factoryReset({ via: 'system' });
  t.ok(store.get(DEVICE_ID_ALIAS), 'kept by a factory default');
});
