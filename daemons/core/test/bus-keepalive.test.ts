import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus, BUS_KEEPALIVE_S } from '../src/index.js';

/** The keepalive in a CONNECT packet as it goes on the wire (MQTT v5: "MQTT", level 5, flags, then 2 bytes). */
function keepaliveOf(connect: Buffer): number {
  const at = connect.indexOf('MQTT');
  if (connect[0] !== 0x10 || at < 0 || connect[at + 4] !== 5) throw new Error('not an MQTT v5 CONNECT');
  return connect.readUInt16BE(at + 6);
}

t.test('a bus connection asks the broker for a long keepalive: an idle daemon sends no PINGs for minutes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bus-keepalive-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bus.sock');
  const socks: Socket[] = [];
  const first = new Promise<Buffer>((resolve) => {
    const server = createServer((sock) => {
      socks.push(sock);
      sock.once('data', (b) => {
        resolve(b);
        sock.write(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00])); // CONNACK, success, no properties
      });
    });
    server.listen(path);
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  });
  const bus = await Bus.connect({ socketPath: path, credentials: { username: 'alpha', password: 'x' }, connectTimeoutMs: 2000 });
  t.teardown(() => {
    bus.destroy();
    socks.forEach((s) => s.destroy());
  });
  t.equal(keepaliveOf(await first), BUS_KEEPALIVE_S);
  t.ok(BUS_KEEPALIVE_S >= 300, 'at least five minutes: the watchdog, not the keepalive, finds a hung daemon');
});
