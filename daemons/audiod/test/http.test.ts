import { request } from 'node:http';
import t from 'tap';
import { FORWARD, httpSocketPath } from '@belfry/core/http';
import { mulawEncode } from '../src/pcm.js';
import { AUDIOD_ROUTES } from '../src/contract.js';
import { startAudioDevice, type AudioDevice } from './device.js';
import { sine, wavBytes } from './helpers.js';

type Who = 'anonymous' | 'viewer' | 'operator' | 'admin';

/** A request to audiod's own socket, as httpd's front door forwards it for `who`. */
function owner(d: AudioDevice, method: string, path: string, opts: { who?: Who; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const who = opts.who ?? 'admin';
    const headers: Record<string, string> = { ...opts.headers, [FORWARD.role]: who, [FORWARD.via]: who === 'anonymous' ? 'anonymous' : 'digest', [FORWARD.user]: who === 'anonymous' ? '' : who };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const r = request({ socketPath: httpSocketPath(d.tb.paths.run, 'audiod'), method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    r.on('error', reject);
    r.end(opts.body);
  });
}

/** audiod's handlers on its socket, without httpd: what the front door trusts them to decide. */
t.test('audiod serves its routes on its own socket', async (t) => {
  const d = await startAudioDevice(t);

  await t.test('the routes are declared with their probes', async (t) => {
    t.ok(AUDIOD_ROUTES.length >= 15, `${AUDIOD_ROUTES.length} routes`);
    for (const r of AUDIOD_ROUTES) t.ok(r.methods.includes(r.probe.method as never), `${r.path}: its probe's method is one of its own`);
  });

  await t.test('`self` routes decide from the forwarded role', async (t) => {
    const getSettings = '{"apiVersion":"1.0","context":"c","method":"getDevicesSettings"}';
    const anon = await owner(d, 'POST', '/axis-cgi/audiodevicecontrol.cgi', { who: 'anonymous', body: getSettings });
    t.equal(anon.status, 401, 'anonymous AJR call: 401 (the front door turns it into its challenge)');
    const viewer = await owner(d, 'POST', '/axis-cgi/audiodevicecontrol.cgi', { who: 'viewer', body: getSettings });
    t.match(JSON.parse(viewer.body), { apiVersion: '1.0', context: 'c', method: 'getDevicesSettings', data: { devices: Array } });
    const set = await owner(d, 'POST', '/axis-cgi/audiodevicecontrol.cgi', { who: 'viewer', body: '{"apiVersion":"1.0","method":"setDevicesSettings","params":{"devices":[]}}' });
    t.equal(set.status, 403, 'setDevicesSettings needs an operator');
    const get = await owner(d, 'GET', '/axis-cgi/audiodevicecontrol.cgi');
    t.same([get.status, get.headers.allow, get.body], [405, 'POST', '405 Method Not Allowed\n'], 'AJR takes POST only');
    const up = await owner(d, 'POST', '/api/v1/clips?name=X', { who: 'viewer', body: wavBytes(sine(1000, 0.2, 0.2)) });
    t.equal(up.status, 403, 'a viewer may list clips but not upload');
    t.equal(JSON.parse(up.body).error.code, 'permission_denied');
  });

  await t.test('errors in each route’s wire format', async (t) => {
    t.same((await owner(d, 'GET', '/axis-cgi/playclip.cgi?clip=4999')).body, '400 Bad Request\nno clip 4999\n', 'VAPIX text');
    const api = await owner(d, 'POST', '/api/v1/clips/4999/play', { body: '{}' });
    t.same([api.status, JSON.parse(api.body).error.code], [404, 'not_found'], 'JSON API');
    const empty = await owner(d, 'POST', '/api/v1/clips?name=Empty', { body: '' });
    t.match(JSON.parse(empty.body), { error: { code: 'invalid_argument', message: /it is empty/ } });
    // refused by the announced size before any of the body is read (only the headers are sent)
    const bigAnnounced = await owner(d, 'POST', '/api/v1/clips?name=Big', { headers: { 'content-length': '1500001' } });
    t.same([bigAnnounced.status, JSON.parse(bigAnnounced.body).error.code], [413, 'too_large'], 'one byte over MediaClip.MaxUploadSize: 413');
    t.equal(bigAnnounced.headers.connection, 'close');
    // chunked: no size announced, so it is read up to the limit and no further
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = request({ socketPath: httpSocketPath(d.tb.paths.run, 'audiod'), method: 'POST', path: '/api/v1/clips?name=Chunked', headers: { [FORWARD.role]: 'admin', [FORWARD.via]: 'digest' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      r.on('error', reject);
      for (let i = 0; i < 16; i++) r.write(Buffer.alloc(100_000));
      r.end();
    });
    t.same([chunked.status, JSON.parse(chunked.body).error.code], [413, 'too_large'], 'a chunked body past MediaClip.MaxUploadSize: 413');
    const cgi = await owner(d, 'POST', '/axis-cgi/mediaclip.cgi?action=upload', { headers: { 'content-length': String(1_500_000 + 64 * 1024 + 1), 'content-type': 'multipart/form-data; boundary=x' } });
    t.same([cgi.status, cgi.body], [400, '400 Bad Request\nthe file is larger than the upload limit (1.5 MB)\n'], 'mediaclip.cgi: 400 with the reason, as Axis devices answer');
  });

  await t.test('a request past the front door’s deadline is not applied', async (t) => {
    const before = (await d.audiod.listClips({})).clips.length;
    const late = await owner(d, 'POST', '/api/v1/clips?name=Late', { body: wavBytes(sine(1000, 0.2, 0.2)), headers: { [FORWARD.deadline]: String(Date.now() - 1) } });
    t.same([late.status, JSON.parse(late.body).error.code], [503, 'unavailable']);
    t.equal((await d.audiod.listClips({})).clips.length, before, 'no clip was added');
  });

  await t.test('transmit.cgi: a WAV header the device cannot play is a 400 with the reason', async (t) => {
    const pcmWav = wavBytes(sine(1000, 0.2, 0.2), 48000);
    const r = await owner(d, 'POST', '/axis-cgi/audio/transmit.cgi', { who: 'viewer', body: pcmWav, headers: { 'content-type': 'audio/basic' } });
    t.equal(r.status, 400);
    t.equal(r.body, '400 Bad Request\ntransmit takes mono µ-law at 8000 or 16000 Hz; the WAV header says format 1, 1 channel(s), 48000 Hz\n');
    t.equal((await d.audiod.status({})).playing, null, 'nothing left in the mixer');
    const ok = await owner(d, 'POST', '/axis-cgi/audio/transmit.cgi', { who: 'viewer', body: mulawEncode(sine(1000, 0.2, 0.2)), headers: { 'content-type': 'audio/axis-mulaw-128' } });
    t.same([ok.status, ok.body], [200, ''], 'raw µ-law plays and answers 200 after playback');
  });
});
