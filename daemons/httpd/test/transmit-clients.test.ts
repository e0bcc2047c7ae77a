import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startDevice } from './device.js';
import { ADMIN } from './cgi-helpers.js';
import { digestAuth, freshNonce } from './auth-helpers.js';
import { mulawEncode } from '../../audiod/src/pcm.js';
import { toneDb } from '../../audiod/test/device.js';

/** transmit.cgi as the clients in the wild send it (§2.7): oversized Content-Length, HTTP/1.0, chunked. */
t.test('transmit.cgi: the ways real clients send audio', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const bench = readFileSync(join(d.tb.paths.run, 'bench.url'), 'utf8').trim();
  const ch = await freshNonce(d);
  let nc = 0;
  const uri = '/axis-cgi/audio/transmit.cgi';
  const auth = () => digestAuth({ user: ADMIN.user, password: ADMIN.pw, realm: ch.realm, nonce: ch.nonce, method: 'POST', uri, nc: ++nc });
  const tone = (hz: number, s: number) => mulawEncode(Int16Array.from({ length: 16000 * s }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 16000))));
  /** sends raw HTTP; resolves with what came back when the server closed or `closeAfterMs` passed */
  const raw = (head: string, body: Buffer[], closeAfterMs?: number) =>
    new Promise<string>((resolve) => {
      const s = connect(d.httpPort, '127.0.0.1');
      let got = '';
      s.on('data', (b: Buffer) => (got += b.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.write(head);
      for (const b of body) s.write(b);
      if (closeAfterMs !== undefined) setTimeout(() => s.destroy(), closeAfterMs);
    });
  const heard = async (hz: number) => {
    const wav = Buffer.from(await (await fetch(`${bench}/bench/audio/speaker?ms=1500`)).arrayBuffer());
    const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length - ((wav.length - 44) % 2)));
    return toneDb(pcm, hz);
  };

  // the Flash-era client: HTTP/1.0, Content-Length 9999999, the connection closed when it is done
  const flash = await raw(`POST ${uri} HTTP/1.0\r\nContent-Type: audio/axis-mulaw-128\r\nContent-Length: 9999999\r\nAuthorization: ${auth()}\r\n\r\n`, [tone(700, 1)], 1200);
  t.notMatch(flash, /^HTTP\/1\.\d 4/, `no error answer (${JSON.stringify(flash.slice(0, 30))})`);
  t.ok((await heard(700)) > -40, 'what arrived before the client left was played');

  // chunked (ffmpeg without -chunked_post 0): 200 with an empty body after playback
  const t0 = Date.now();
  const chunk = (b: Buffer) => Buffer.concat([Buffer.from(b.length.toString(16) + '\r\n'), b, Buffer.from('\r\n')]);
  const chunked = await raw(`POST ${uri} HTTP/1.1\r\nHost: x\r\nContent-Type: audio/axis-mulaw-128\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nAuthorization: ${auth()}\r\n\r\n`, [chunk(tone(900, 0.5)), chunk(tone(900, 0.5)), Buffer.from('0\r\n\r\n')]);
  t.match(chunked, /^HTTP\/1\.1 200 OK\r\n/, 'chunked: 200');
  t.match(chunked, /\r\nContent-Length: 0\r\n/i, 'with an empty body');
  t.ok(Date.now() - t0 >= 800, `after playback (${Date.now() - t0} ms for 1 s)`);
  t.ok((await heard(900)) > -40, 'and it was heard');

  // a second transmitter while one holds the speaker: 503 (§2.7)
  const first = connect(d.httpPort, '127.0.0.1');
  first.on('error', () => undefined);
  first.write(`POST ${uri} HTTP/1.1\r\nHost: x\r\nContent-Type: audio/basic\r\nTransfer-Encoding: chunked\r\nAuthorization: ${auth()}\r\n\r\n`);
  first.write(chunk(tone(500, 0.5)));
  await new Promise((r) => setTimeout(r, 300));
  const second = await raw(`POST ${uri} HTTP/1.1\r\nHost: x\r\nContent-Type: audio/basic\r\nContent-Length: 8000\r\nConnection: close\r\nAuthorization: ${auth()}\r\n\r\n`, [tone(500, 0.25)]);
  t.match(second, /^HTTP\/1\.1 503 /, 'the second transmitter gets 503');
  first.destroy();

  // httpd and audiod are still there for the next client
  const after = await d.digest('GET', '/axis-cgi/stopclip.cgi', ADMIN.user, ADMIN.pw);
  t.equal(after.body, 'OK\nstopping\n');
});
