import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MESSAGE_BYTES } from '../src/transport/message.js';
import { sipDevice, until } from './helpers.js';
import { RawUdp, invite, mutate, options, prng, rawTcp, tortureMessages } from './raw.js';

const DEVICE = '127.0.0.40';
const TORTURE = tortureMessages(readFileSync(join(import.meta.dirname, 'fixtures', 'rfc4475.txt')));

/** sipd still answers an OPTIONS over UDP with 200. */
async function answersOptions(peer: RawUdp, n: number): Promise<boolean> {
  peer.got.length = 0;
  const from = `${peer.sock.address().address}:${peer.port}`;
  for (let i = 0; i < 20; i++) {
    await peer.send(options(DEVICE, from, n * 100 + i), DEVICE);
    const end = Date.now() + 500;
    while (Date.now() < end) {
      if (peer.got.some((m) => m.startsWith('SIP/2.0 200') && m.includes('OPTIONS'))) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return false;
}

t.test('RFC 4475 torture messages and 50,000 mutated messages (40,000 datagrams, 10,000 on 2,000 TCP streams): sipd never crashes and keeps answering OPTIONS', async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const peer = await RawUdp.open('127.0.0.41');
  t.teardown(() => peer.close());
  t.ok(await answersOptions(peer, 1), 'OPTIONS answered before');

  for (const msg of TORTURE.values()) await peer.send(msg, DEVICE);
  t.ok(await answersOptions(peer, 2), `OPTIONS answered after ${TORTURE.size} torture messages`);
  const stats = async () => ((await d.rpc<{ network: Record<string, number> }>('status', {})).network);
  const before = await stats();

  const bases = [Buffer.from(options(DEVICE, '127.0.0.41:5099', 7)), Buffer.from(invite(DEVICE, '127.0.0.41:5099', 7)), ...TORTURE.values()];
  const rnd = prng(4475);
  // 40,000 over UDP here, 10,000 over TCP below
  const N = 40_000;
  for (let i = 0; i < N; i++) {
    await peer.send(mutate(bases[i % bases.length]!, rnd), DEVICE);
    // paced by what sipd has read, so the socket's receive buffer is not what drops them
    // (sip.js parses at about 1 ms a header: see the README)
    if (i % 200 === 199) await until(async () => (await stats()).received! - before.received! >= i - 20, 'sipd reads the datagrams', 60_000);
  }
  t.ok(await answersOptions(peer, 3), 'OPTIONS answered after 40,000 mutated datagrams');
  const after = await stats();
  t.ok(after.received! - before.received! >= N - 20, `sipd read them (${after.received! - before.received!} of ${N})`);
  t.ok(after.malformed! > before.malformed!, `malformed ones were counted (${after.malformed! - before.malformed!})`);

  // TCP: mutated messages on streams; each broken stream is closed, the next connection works
  const trnd = prng(3261);
  const tcpBefore = (await stats()).received!;
  for (let c = 0; c < 2000; c++) {
    const tcp = await rawTcp(DEVICE, '127.0.0.42');
    for (let i = 0; i < 5; i++) tcp.sock.write(mutate(bases[(c + i) % bases.length]!, trnd));
    tcp.sock.end();
    await tcp.closed;
  }
  t.ok((await stats()).received! > tcpBefore, 'framed TCP messages reached sipd');
  const tcp = await rawTcp(DEVICE, '127.0.0.42');
  tcp.sock.write(options(DEVICE, '127.0.0.42:5060', 9, 'TCP'));
  await until(() => tcp.got().startsWith('SIP/2.0 200'), 'OPTIONS over a new TCP connection answered');
  tcp.sock.destroy();
  t.ok(await answersOptions(peer, 4), 'and over UDP');
});

t.test('oversize messages are refused with 513 (UDP and TCP); a message at the limit is taken', async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const peer = await RawUdp.open('127.0.0.43');
  t.teardown(() => peer.close());
  const base = options(DEVICE, `127.0.0.43:${peer.port}`, 1);
  const pad = (msg: string, total: number) => msg.replace('Max-Forwards: 70', `Max-Forwards: 70\r\nX-Pad: ${'a'.repeat(total - Buffer.byteLength(msg) - 9)}`);
  const atLimit = pad(base, MAX_MESSAGE_BYTES);
  t.equal(Buffer.byteLength(atLimit), MAX_MESSAGE_BYTES);
  await peer.send(atLimit, DEVICE);
  await until(() => peer.got.some((m) => m.startsWith('SIP/2.0 200')), 'a message of exactly the limit is answered');
  peer.got.length = 0;
  await peer.send(pad(options(DEVICE, `127.0.0.43:${peer.port}`, 2), MAX_MESSAGE_BYTES + 1), DEVICE);
  await until(() => peer.got.some((m) => m.startsWith('SIP/2.0 513')), 'one byte more: 513 Message Too Large');

  const tcp = await rawTcp(DEVICE, '127.0.0.43');
  // a head that says its body takes it past the limit: refused before the body is read
  const big = options(DEVICE, '127.0.0.43:5060', 3, 'TCP').replace('Content-Length: 0', `Content-Type: text/plain\r\nContent-Length: ${MAX_MESSAGE_BYTES}`);
  tcp.sock.write(big + 'x'.repeat(MAX_MESSAGE_BYTES));
  await tcp.closed;
  t.match(tcp.got(), /^SIP\/2\.0 513/, 'TCP: 513, then the stream is closed');
});

t.test('an INVITE flood is bounded: at most MAX_CALLS calls, the rest 486 or 503', async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const peer = await RawUdp.open('127.0.0.44');
  t.teardown(() => peer.close());
  for (let i = 0; i < 300; i++) {
    await peer.send(invite(DEVICE, `127.0.0.44:${peer.port}`, i), DEVICE);
    await new Promise((r) => setTimeout(r, 1));
  }
  const answered = () => new Set(peer.got.filter((m) => /^SIP\/2\.0 (200|486|503)/.test(m)).map((m) => /Call-ID: (\S+)/i.exec(m)?.[1])).size;
  await until(() => answered() >= 300, 'every INVITE has a final answer');
  const finals = peer.got.map((m) => /^SIP\/2\.0 (\d{3})/.exec(m)?.[1]).filter((c) => c && c >= '200');
  const ok = new Set(peer.got.filter((m) => m.startsWith('SIP/2.0 200')).map((m) => /Call-ID: (\S+)/i.exec(m)?.[1]));
  t.ok(ok.size <= 4, `at most 4 calls answered (${ok.size})`);
  t.ok(finals.includes('486') || finals.includes('503'), 'the rest refused');
  const status = await d.rpc<{ calls: { CallState: string }[] }>('status', {});
  t.ok(status.calls.filter((c) => c.CallState !== 'Terminated').length <= 4, 'sipd holds at most 4 calls');
});
