import t from 'tap';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createLogger } from '@belfry/core';
import { MAX_MESSAGE_BYTES, parseDatagram } from '../src/transport/message.js';
import { SipNetwork } from '../src/transport/network.js';
import { Retransmitter } from '../src/transport/retransmit.js';
import { StreamFramer, type StreamEvent } from '../src/transport/stream.js';
import { UDP_SWITCH_BYTES, UaTransport } from '../src/transport/ua-transport.js';
import { RawUdp, invite, options } from './raw.js';
import { until } from './helpers.js';

t.test('timers A/E/F: INVITE resent until any response; non-INVITE at T2 after a provisional, until final; CANCEL is its own entry; the cap', async (t) => {
  const sent: string[] = [];
  let cap = 10;
  const r = new Retransmitter((k) => sent.push(k), () => cap, 10);
  t.teardown(() => r.stop());
  r.track('z9hG4bK1', 'INVITE');
  r.track('z9hG4bK1', 'CANCEL');
  await until(() => sent.filter((k) => k === 'z9hG4bK1|INVITE').length >= 2 && sent.includes('z9hG4bK1|CANCEL'), 'both resent');
  r.response('z9hG4bK1', 'INVITE', 100);
  t.equal(r.size, 1, 'a provisional response ends the INVITE resends (timer A) and leaves the CANCEL');
  r.response('z9hG4bK1', 'CANCEL', 200);
  t.equal(r.size, 0, "the CANCEL's final response ends its resends");

  r.track('z9hG4bK2', 'REGISTER');
  r.response('z9hG4bK2', 'REGISTER', 100);
  t.equal(r.size, 1, 'a non-INVITE goes on after a provisional response (at T2)');
  r.response('z9hG4bK2', 'REGISTER', 401);
  t.equal(r.size, 0, 'and stops at a final one');

  r.track('z9hG4bK3', 'ACK');
  t.equal(r.size, 0, 'ACK is never resent');

  cap = 2;
  sent.length = 0;
  r.track('z9hG4bK4', 'OPTIONS');
  await until(() => r.size === 0, 'given up after the cap');
  t.equal(sent.length, 2, 'SIP.MaxRetransmissions resends, no more');
});

t.test('SipNetwork resends a UDP request to a silent peer and stops when it answers', async (t) => {
  const got: string[] = [];
  const net = new SipNetwork({ address: '127.0.0.60', port: 5060, tlsPort: 5061, maxRetransmissions: () => 10, onMessage: (m) => got.push(m.head.method), log: createLogger('test', 'silent') });
  await net.start();
  t.teardown(() => net.stop());
  const peer = await RawUdp.open('127.0.0.61');
  t.teardown(() => peer.close());
  const msg = invite('127.0.0.61', '127.0.0.60', 1);
  await net.send(msg, { proto: 'UDP', address: '127.0.0.61', port: peer.port });
  await until(() => peer.got.length >= 3, 'the INVITE again at T1, 2·T1');
  const branch = /branch=([^\s;]+)/.exec(msg)![1]!;
  const trying = `SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 127.0.0.60;branch=${branch}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
  await peer.send(trying, '127.0.0.60');
  await until(() => got.includes('INVITE'), 'the response reached the user agent side');
  t.equal(net.stats.retransmissions, peer.got.length - 1, 'every copy after the first counted as a retransmission');
  t.ok(peer.got.every((m) => m === msg), 'the same bytes each time');
});

t.test('stream framing: split chunks, two messages in one chunk, keep-alives; no Content-Length or an oversize head ends the stream', async (t) => {
  const ev: StreamEvent[] = [];
  const f = new StreamFramer((e) => ev.push(e));
  const a = options('127.0.0.1', '127.0.0.2:5060', 1, 'TCP');
  const b = invite('127.0.0.1', '127.0.0.2:5060', 2).replace('SIP/2.0/UDP', 'SIP/2.0/TCP');
  f.push(Buffer.from('\r\n\r\n' + a.slice(0, 30)));
  f.push(Buffer.from(a.slice(30) + b + a));
  t.same(ev.map((e) => e.kind === 'message' && e.head.method), ['OPTIONS', 'INVITE', 'OPTIONS']);
  t.match((ev[1] as { text: string }).text, /m=audio 40000 RTP\/AVP 0\r\n$/, 'the body, exactly Content-Length bytes');

  const g: StreamEvent[] = [];
  new StreamFramer((e) => g.push(e)).push(Buffer.from(a.replace('Content-Length: 0\r\n', '')));
  t.match(g, [{ kind: 'malformed', reason: 'no Content-Length on a stream' }]);
  const h: StreamEvent[] = [];
  new StreamFramer((e) => h.push(e)).push(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 'a'));
  t.match(h, [{ kind: 'oversize' }], 'no blank line within the limit');
});

t.test('datagram heads: compact forms, folded lines, a body cut to Content-Length; broken ones refused', async (t) => {
  const ok = parseDatagram(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bKx\r\ni: 1\r\nf: <sip:x@y>;tag=1\r\nt:\r\n <sip:a@b>\r\nCSeq: 1 OPTIONS\r\nl: 2\r\n\r\nabcdef'));
  t.match(ok.head, { method: 'OPTIONS', callId: '1', via: { branch: 'z9hG4bKx', transport: 'UDP' }, contentLength: 2 });
  t.match(ok.text, /\r\n\r\nab$/);
  for (const [why, m] of [
    ['CSeq method differs', 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCall-ID: 1\r\nFrom: a\r\nTo: b\r\nCSeq: 1 INVITE\r\n\r\n'],
    ['no Call-ID', 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: a\r\nTo: b\r\nCSeq: 1 OPTIONS\r\n\r\n'],
    ['two Call-IDs', 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCall-ID: 1\r\nCall-ID: 2\r\nFrom: a\r\nTo: b\r\nCSeq: 1 OPTIONS\r\n\r\n'],
    ['body shorter than Content-Length', 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCall-ID: 1\r\nFrom: a\r\nTo: b\r\nCSeq: 1 OPTIONS\r\nContent-Length: 10\r\n\r\nabc'],
    ['negative Content-Length', 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCall-ID: 1\r\nFrom: a\r\nTo: b\r\nCSeq: 1 OPTIONS\r\nContent-Length: -1\r\n\r\n'],
    ['SIP/7.0', 'OPTIONS sip:a@b SIP/7.0\r\nVia: SIP/7.0/UDP h;branch=z9hG4bKx\r\nCall-ID: 1\r\nFrom: a\r\nTo: b\r\nCSeq: 1 OPTIONS\r\n\r\n'],
  ] as const)
    t.throws(() => parseDatagram(Buffer.from(m)), why);
});

t.test("the account transport puts the device's port in Via and Contact, and takes it off our Via in responses", async (t) => {
  const seen: string[] = [];
  const tr = new UaTransport(undefined, { network: undefined as never, viaHost: '127.0.0.9', localPort: 5070, proto: 'UDP', sent: () => undefined, peerOf: () => undefined, attach: () => undefined });
  tr.onMessage = (m) => seen.push(m);
  const out = tr.outbound('INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9;branch=z9hG4bK1\r\nContact: <sip:belfry@127.0.0.9;transport=udp>\r\n\r\n');
  t.match(out, 'Via: SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK1');
  t.match(out, 'Contact: <sip:belfry@127.0.0.9:5070;transport=udp>');
  tr.receive('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK1\r\n\r\n');
  t.match(seen[0], 'Via: SIP/2.0/UDP 127.0.0.9;branch=z9hG4bK1');
});

t.test('UDP-to-TCP switching: a request past 1300 bytes goes over TCP and its Via says TCP; a smaller one stays on UDP', async (t) => {
  const net = new SipNetwork({ address: '127.0.0.64', port: 5060, tlsPort: 5061, maxRetransmissions: () => 1, onMessage: () => undefined, log: createLogger('test', 'silent') });
  await net.start();
  t.teardown(() => net.stop());
  // the peer: TCP and UDP on the same port of its own address
  const tcpGot: string[] = [];
  const conns: Socket[] = [];
  const server = createServer((sock) => (conns.push(sock), sock.on('data', (d: Buffer) => tcpGot.push(d.toString('latin1')))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.65', () => r()));
  t.teardown(() => new Promise((r) => (conns.forEach((c) => c.destroy()), server.close(r))));
  const port = (server.address() as AddressInfo).port;
  const udp = await RawUdp.open('127.0.0.65', port);
  t.teardown(() => udp.close());
  let switching = true;
  const tr = new UaTransport(undefined, { network: net, viaHost: '127.0.0.64', localPort: 5060, proto: 'UDP', udpToTcp: () => switching, sent: () => undefined, peerOf: () => undefined, attach: () => undefined });
  const request = (bodyBytes: number, n: number) => {
    const body = 'x'.repeat(bodyBytes);
    return `MESSAGE sip:peer@127.0.0.65:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.64;branch=z9hG4bK-sw-${n}\r\nFrom: <sip:belfry@127.0.0.64>;tag=1\r\nTo: <sip:peer@127.0.0.65>\r\nCall-ID: sw-${n}\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  };
  const big = request(1300, 1);
  t.ok(Buffer.byteLength(big) > UDP_SWITCH_BYTES, `${Buffer.byteLength(big)} bytes`);
  await tr.send(big);
  await until(() => tcpGot.join('').includes('CSeq: 1 MESSAGE'), 'the large request over TCP');
  t.match(tcpGot.join(''), /^MESSAGE [^\r\n]+\r\nVia: SIP\/2\.0\/TCP 127\.0\.0\.64;branch=z9hG4bK-sw-1\r\n/, 'its top Via says TCP');
  t.equal(udp.got.length, 0, 'nothing of it over UDP');

  // at the limit: 1300 bytes exactly stay on UDP
  // the body that makes the whole request 1300 bytes (Content-Length has four digits then)
  const atLimit = request(UDP_SWITCH_BYTES - request(1000, 2).length + 1000, 2);
  t.equal(Buffer.byteLength(atLimit), UDP_SWITCH_BYTES);
  await tr.send(atLimit);
  await until(() => udp.got.length > 0, 'the request of 1300 bytes over UDP');
  t.match(udp.got[0], /\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.64;branch=z9hG4bK-sw-2\r\n/, 'its Via says UDP');

  switching = false;
  await tr.send(request(1400, 3));
  await until(() => udp.got.some((m) => m.includes('branch=z9hG4bK-sw-3')), 'switching off: the large one over UDP');
  t.match(udp.got.find((m) => m.includes('sw-3')), /Via: SIP\/2\.0\/UDP /, 'and its Via says UDP');
});

t.test('STUN: the SIP socket learns its mapped address from a STUN server; Contact then carries it', async (t) => {
  const { createSocket } = await import('node:dgram');
  const { MAGIC } = await import('../src/transport/stun.js');
  // a STUN server on loopback that says the NAT maps us to 203.0.113.7:40000 (XOR-MAPPED-ADDRESS)
  const server = createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.0.62', () => r()));
  t.teardown(() => server.close());
  server.on('message', (req, rinfo) => {
    const res = Buffer.alloc(32);
    res.writeUInt16BE(0x0101, 0);
    res.writeUInt16BE(12, 2);
    req.copy(res, 4, 4, 20);
    res.writeUInt16BE(0x0020, 20);
    res.writeUInt16BE(8, 22);
    res.writeUInt16BE(0x0001, 24);
    res.writeUInt16BE(40000 ^ (MAGIC >>> 16), 26);
    res.writeUInt32BE((((203 << 24) | (0 << 16) | (113 << 8) | 7) ^ MAGIC) >>> 0, 28);
    server.send(res, rinfo.port, rinfo.address);
  });
  const net = new SipNetwork({ address: '127.0.0.63', port: 5060, tlsPort: 5061, maxRetransmissions: () => 10, onMessage: () => undefined, log: createLogger('test', 'silent') });
  await net.start();
  t.teardown(() => net.stop());
  const m = await net.stun('127.0.0.62', server.address().port);
  t.same(m, { address: '203.0.113.7', port: 40000 });
  t.equal(await net.stun('127.0.0.62', 9), undefined, 'no answer: undefined (after 2 s)');
  const tr = new UaTransport(undefined, { network: net, viaHost: '127.0.0.63', localPort: 5060, proto: 'UDP', mapped: () => m, sent: () => undefined, peerOf: () => undefined, attach: () => undefined });
  const out = tr.outbound('INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.63;branch=z9hG4bK1\r\nContact: <sip:belfry@127.0.0.63;transport=udp>\r\n\r\n');
  t.match(out, 'Contact: <sip:belfry@203.0.113.7:40000;transport=udp>');
  t.match(out, 'Via: SIP/2.0/UDP 127.0.0.63;branch', 'Via keeps the local address (sip.js matches responses by it)');
});
