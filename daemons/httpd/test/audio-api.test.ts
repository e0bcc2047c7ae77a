import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevice } from './device.js';
import { ADMIN, addAccount, rawReq } from './cgi-helpers.js';
import { digestAuth, freshNonce } from './auth-helpers.js';
import { makeClip } from '../../audiod/test/fixtures.js';

/** The web UI's audio API (cgi/audio-api.ts), with Digest like any other client. */
t.test('audio JSON API: clips, link, playback, speaker test', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, 'op', 'oper1', 'operator');
  await addAccount(d, 'view', 'view1', 'viewer');
  const work = mkdtempSync(join(tmpdir(), 'audio-api-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const ch = await freshNonce(d);
  let nc = 0;
  const call = async (method: string, url: string, opts: { body?: string | Buffer; type?: string; as?: [string, string] } = {}) => {
    const [user, password] = opts.as ?? [ADMIN.user, ADMIN.pw];
    const headers: Record<string, string> = { Authorization: digestAuth({ user, password, realm: ch.realm, nonce: ch.nonce, method, uri: url, nc: ++nc }) };
    if (opts.type) headers['Content-Type'] = opts.type;
    const r = await rawReq(d.httpPort, method, url, { body: opts.body, headers });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    return { ...r, json };
  };

  const first = await call('GET', '/api/v1/clips', { as: ['view', 'view1'] });
  t.equal(first.status, 200);
  const clips = first.json.clips as { id: number; name: string; format: string; durationMs: number; replayGainDb: number | null }[];
  t.same(clips.map((c) => c.name), ['Doorbell', 'Beep', 'Siren'], 'viewers see the clips');
  t.ok(clips.every((c) => c.format === 'wav' && c.durationMs > 0 && typeof c.replayGainDb === 'number'), 'with what was measured');
  t.match(first.json, { usedBytes: Number, quotaBytes: 20_000_000, maxUploadBytes: 1_500_000 });

  const mp3 = await makeClip(work, 'mp3', { seconds: 1, toneHz: 660 });
  t.equal((await call('POST', '/api/v1/clips?name=Chime&filename=chime.mp3', { body: readFileSync(mp3), type: 'audio/mpeg', as: ['view', 'view1'] })).status, 403, 'viewers cannot upload');
  const up = await call('POST', '/api/v1/clips?name=Chime&filename=chime.mp3', { body: readFileSync(mp3), type: 'audio/mpeg', as: ['op', 'oper1'] });
  t.equal(up.status, 201);
  const id = up.json.id as number;
  t.equal((await call('POST', '/api/v1/clips?name=Chime&filename=chime.mp3', { body: readFileSync(mp3), type: 'audio/mpeg' })).status, 200, 'same name: replaced');
  const junk = await call('POST', '/api/v1/clips?name=Junk', { body: 'plain text, not audio', type: 'audio/mpeg' });
  t.equal(junk.status, 400);
  t.match(junk.json, { error: { code: 'invalid_argument', message: /unsupported/i } });
  t.equal((await call('GET', '/api/v1/clips')).json.clips && ((await call('GET', '/api/v1/clips')).json.clips as unknown[]).length, 4, 'nothing left behind by the refused upload');

  const dl = await call('GET', `/api/v1/clips/${id}/audio`);
  t.equal(dl.status, 200);
  t.equal(dl.headers['content-type'], 'audio/mpeg');
  t.ok(dl.raw.equals(readFileSync(mp3)), 'the same bytes back');

  t.equal((await call('PATCH', `/api/v1/clips/${id}`, { body: '{"name":"Front door"}', type: 'application/json' })).status, 200);
  const p = await d.params.get({ names: [`MediaClip.M${id}.Name`] });
  t.equal(p.params[`MediaClip.M${id}.Name`], 'Front door', 'a rename is the MediaClip param');
  t.equal((await call('PATCH', `/api/v1/clips/${id}`, { body: '{"name":"a\\u0007b"}', type: 'application/json' })).status, 400, 'control characters refused');

  const link = await call('GET', `/api/v1/clips/${id}/link?volume=80&repeat=2`);
  t.equal(link.json.path, `/axis-cgi/playclip.cgi?clip=${id}&volume=80&repeat=2`);
  const viaLink = await call('GET', link.json.path as string, { as: ['view', 'view1'] });
  t.equal(viaLink.body, `OK\nplaying=${id}\n`, 'the link plays the clip for a viewer');
  t.match((await call('GET', '/api/v1/audio/status')).json, { playing: { kind: 'clip', clip: id } });
  t.same((await call('POST', '/api/v1/clips/stop', { body: '{}', type: 'application/json', as: ['view', 'view1'] })).json, { stopped: true });
  t.equal((await call('POST', `/api/v1/clips/${id}/play`, { body: '{"volume":2000}', type: 'application/json' })).status, 400, 'volume out of range');
  t.equal((await call('POST', '/api/v1/clips/4999/play', { body: '{}', type: 'application/json' })).status, 404);
  t.equal((await call('DELETE', `/api/v1/clips/${id}`, { as: ['op', 'oper1'] })).status, 200);
  t.equal((await call('GET', `/api/v1/clips/${id}/audio`)).status, 404, 'gone');

  t.equal((await call('GET', '/api/v1/speaker-test', { as: ['op', 'oper1'] })).status, 403, 'the speaker test is for admins');
  t.match((await call('GET', '/api/v1/speaker-test')).json, { status: 'Uncalibrated', testTimestamp: '', calibrationTimestamp: '' });
  t.match((await call('POST', '/api/v1/speaker-test/run', { body: '{}', type: 'application/json' })).json, { error: { code: 'failed_precondition', name: 'DeviceNotCalibrated' } });
  const cal = await call('POST', '/api/v1/speaker-test/calibrate', { body: '{}', type: 'application/json' });
  t.equal(cal.status, 202);
  t.match(cal.json, { status: 'Pending' });
  let rep: Record<string, unknown> = {};
  for (let i = 0; i < 60; i++) {
    rep = (await call('GET', '/api/v1/speaker-test')).json;
    if (rep.status !== 'Pending') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.match(rep, { status: 'Calibrated', calibrationTimestamp: /Z$/ });
  await call('POST', '/api/v1/speaker-test/run', { body: '{}', type: 'application/json' });
  for (let i = 0; i < 60; i++) {
    rep = (await call('GET', '/api/v1/speaker-test')).json;
    if (rep.status !== 'Pending') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.match(rep, { status: 'OK', details: { bands: Array, reasons: [] } }, 'a healthy simulated speaker passes, with its per-band figures');
  t.equal(((rep.details as { bands: unknown[] }).bands).length, 9);
});
