import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simBoard, simSecurity } from '../src/sim/index.js';

t.test('the simulated board key custody: a factory secret made once, KEKs stable per purpose and device', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'belfry-board-sec-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const factory = join(root, 'factory');
  const board = simBoard(factory);
  const secretFile = join(factory, 'device-secret');
  t.equal(statSync(secretFile).mode & 0o777, 0o400, 'made with the factory data, mode 0400');
  t.match(readFileSync(secretFile, 'utf8'), /^[0-9a-f]{64}\n$/);
  const a = await board.security.kek('keystore');
  t.equal(a.length, 32);
  t.same(await simBoard(factory).security.kek('keystore'), a, 'the same KEK after a restart');
  t.notSame(await board.security.kek('httpd-wsse'), a, 'another purpose, another key');
  const other = mkdtempSync(join(tmpdir(), 'belfry-board-sec-'));
  t.teardown(() => rmSync(other, { recursive: true, force: true }));
  t.notSame(await simBoard(join(other, 'factory')).security.kek('keystore'), a, 'another device, another key');
  t.equal(board.security.kind, 'software');
  const sec = simSecurity(factory, board.identity.serialNumber);
  t.notOk(sec.deviceId());
  sec.provisionDeviceId({ certificate: 'c', chain: [], wrappedKey: 'w' });
  t.throws(() => sec.provisionDeviceId({ certificate: 'd', chain: [], wrappedKey: 'x' }), /already provisioned/, 'once only');
  t.equal(sec.deviceId()!.certificate, 'c');
});
