import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { startDevice } from './device.js';
import { ADMIN } from './cgi-helpers.js';
import { makeClip } from '../../audiod/test/fixtures.js';
import { mulawEncode } from '../../audiod/src/pcm.js';

const run = promisify(execFile);

/** curl with Digest, the way scripts and the HA integration's ffmpeg recipe talk to a speaker */
async function curl(base: string, args: string[], opts: { timeoutS?: number } = {}): Promise<{ status: number; body: Buffer; type: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'curl-'));
  try {
    const r = await run('curl', ['-s', '--digest', '-u', `${ADMIN.user}:${ADMIN.pw}`, '-o', join(dir, 'body'), '-w', '%{http_code} %{content_type}', '--max-time', String(opts.timeoutS ?? 20), ...args.slice(0, -1), base + args[args.length - 1]], { encoding: 'utf8' }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '000 ' }));
    const [status, type] = (r.stdout as string).split(' ');
    let body = Buffer.alloc(0);
    try {
      body = readFileSync(join(dir, 'body'));
    } catch {
      /* no body */
    }
    return { status: Number(status), body, type: type ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tone(hz: number, seconds: number, rate: number): Buffer {
  const s = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < s.length; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return mulawEncode(s);
}

t.test('audio CGIs end to end with curl', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin();
  const work = mkdtempSync(join(tmpdir(), 'audio-cgi-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));

  const list = await curl(d.http, ['/axis-cgi/param.cgi?action=list&group=MediaClip']);
  t.match(list.body.toString(), /root\.MediaClip\.M\d+\.Name=Doorbell/, 'default clips are listed as params');

  const wav = await makeClip(work, 'wav', { seconds: 1, toneHz: 440 });
  const up = await curl(d.http, ['-F', `Chime=@${wav};type=audio/wav`, '/axis-cgi/mediaclip.cgi?action=upload&media=audio&name=Chime']);
  t.equal(up.status, 200);
  const id = /Uploaded=(\d+)/.exec(up.body.toString())?.[1];
  t.ok(id, `upload answer: ${JSON.stringify(up.body.toString())}`);
  const again = await curl(d.http, ['-F', `Chime=@${wav}`, '/axis-cgi/mediaclip.cgi?action=upload&media=audio&name=Chime']);
  t.equal(again.body.toString(), `OK\nReplaced=${id}\n`);

  const bad = await curl(d.http, ['-F', `x=@${join(work, '..', 'nonexistent')}`, '/axis-cgi/mediaclip.cgi?action=upload&media=audio&name=X']);
  t.not(bad.status, 200, 'a missing file is not an upload');
  const emptyFile = join(work, 'empty.wav');
  (await import('node:fs')).writeFileSync(emptyFile, '');
  const empty = await curl(d.http, ['-F', `Empty=@${emptyFile}`, '/axis-cgi/mediaclip.cgi?action=upload&media=audio&name=Empty']);
  t.equal(empty.body.toString(), '400 Bad Request\nthe file is empty\n', 'an empty file says so');
  const text = join(work, 'notes.mp3');
  (await import('node:fs')).writeFileSync(text, 'this is not audio at all, whatever the name says\n');
  const refused = await curl(d.http, ['-F', `Bad=@${text}`, '/axis-cgi/mediaclip.cgi?action=upload&media=audio&name=Bad']);
  t.equal(refused.status, 400);
  t.match(refused.body.toString(), /^400 Bad Request\n.*unsupported/i);

  const dl = await curl(d.http, [`/axis-cgi/mediaclip.cgi?action=download&clip=${id}`]);
  t.equal(dl.status, 200);
  t.ok(dl.body.equals(readFileSync(wav)), 'download returns the uploaded bytes');

  const play = await curl(d.http, [`/axis-cgi/mediaclip.cgi?action=play&clip=${id}&volume=80&repeat=0`]);
  t.equal(play.body.toString(), `OK\nplaying=${id}\n`);
  const stop = await curl(d.http, ['/axis-cgi/stopclip.cgi']);
  t.equal(stop.body.toString(), 'OK\nstopping\n');
  const unknown = await curl(d.http, ['/axis-cgi/playclip.cgi?clip=4999']);
  t.equal(unknown.status, 400);

  // live audio: both codecs, the answer comes after playback
  for (const [type, rate] of [
    ['audio/basic', 8000],
    ['audio/axis-mulaw-128', 16000],
  ] as const) {
    const f = join(work, `tone-${rate}.ul`);
    (await import('node:fs')).writeFileSync(f, tone(1000, 1, rate));
    const t0 = Date.now();
    const r = await curl(d.http, ['-H', `Content-Type: ${type}`, '--data-binary', `@${f}`, '/axis-cgi/audio/transmit.cgi']);
    t.equal(r.status, 200, `${type}: 200 ${r.body.toString()}`);
    t.equal(r.body.length, 0, 'empty body');
    t.ok(Date.now() - t0 >= 800, `answered after playback (${Date.now() - t0} ms for 1 s of audio)`);
  }
  const wrong = await curl(d.http, ['-H', 'Content-Type: audio/opus', '--data-binary', 'xx', '/axis-cgi/audio/transmit.cgi']);
  t.equal(wrong.status, 415);
  // a WAV header the device cannot play (stereo PCM at 48 kHz, as `ffmpeg -f wav` makes by default): 400 and why
  const stereo = Buffer.alloc(44 + 19200);
  stereo.write('RIFF', 0, 'latin1');
  stereo.writeUInt32LE(stereo.length - 8, 4);
  stereo.write('WAVEfmt ', 8, 'latin1');
  stereo.writeUInt32LE(16, 16);
  stereo.writeUInt16LE(1, 20); // PCM
  stereo.writeUInt16LE(2, 22); // 2 channels
  stereo.writeUInt32LE(48000, 24);
  stereo.writeUInt32LE(48000 * 4, 28);
  stereo.writeUInt16LE(4, 32);
  stereo.writeUInt16LE(16, 34);
  stereo.write('data', 36, 'latin1');
  stereo.writeUInt32LE(19200, 40);
  const stereoFile = join(work, 'stereo.wav');
  (await import('node:fs')).writeFileSync(stereoFile, stereo);
  const unplayable = await curl(d.http, ['-H', 'Content-Type: audio/basic', '--data-binary', `@${stereoFile}`, '/axis-cgi/audio/transmit.cgi']);
  t.equal(unplayable.status, 400, 'an unplayable WAV header: 400, not a closed connection');
  t.equal(unplayable.body.toString(), '400 Bad Request\ntransmit takes mono µ-law at 8000 or 16000 Hz; the WAV header says format 1, 2 channel(s), 48000 Hz\n');

  const rx = await curl(d.http, ['/axis-cgi/audio/receive.cgi?audiosamplerate=8000'], { timeoutS: 1.5 });
  t.equal(rx.type, 'audio/basic');
  t.ok(rx.body.length > 4000, `receive streamed ${rx.body.length} bytes in ~1.5 s`);
  const mp = await curl(d.http, ['/axis-cgi/audio/receive.cgi?httptype=multipart'], { timeoutS: 1.2 });
  t.match(mp.type, /multipart\/x-mixed-replace/);
  t.match(mp.body.toString('latin1'), /--myboundary\r\nContent-Type: audio\/basic\r\nContent-Length: 512\r\n\r\n/);

  const set = await curl(d.http, [
    '-H',
    'Content-Type: application/json',
    '--data',
    '{"apiVersion":"1.0","context":"Axis library","method":"setDevicesSettings","params":{"devices":[{"id":"0","outputs":[{"id":"0","connectionTypes":[{"id":"internal","signalingTypes":[{"id":"unbalanced","channels":[{"id":"0","gain":-10,"mute":false}]}]}]}]}]}}',
    '/axis-cgi/audiodevicecontrol.cgi',
  ]);
  t.equal(set.body.toString(), '{"apiVersion":"1.0","context":"Axis library","method":"setDevicesSettings","data":{}}');
  const get = await curl(d.http, ['-H', 'Content-Type: application/json', '--data', '{"apiVersion":"1.0","context":"Axis library","method":"getDevicesSettings"}', '/axis-cgi/audiodevicecontrol.cgi']);
  const tree = JSON.parse(get.body.toString()) as { data: { devices: { outputs: { connectionTypes: { signalingTypes: { channels: { gain: number }[] }[] }[] }[] }[] } };
  t.equal(tree.data.devices[0]!.outputs[0]!.connectionTypes[0]!.signalingTypes[0]!.channels[0]!.gain, -10);
  const out = await curl(d.http, ['-H', 'Content-Type: application/json', '--data', '{"apiVersion":"1.0","method":"setDevicesSettings","params":{"devices":[{"id":"0","outputs":[{"id":"0","connectionTypes":[{"id":"internal","signalingTypes":[{"id":"unbalanced","channels":[{"id":0,"gain":99}]}]}]}]}]}}', '/axis-cgi/audiodevicecontrol.cgi']);
  t.match(JSON.parse(out.body.toString()), { error: { code: 2104 } });

  const perform = await curl(d.http, ['--data', '{"axast:PerformSpeakerTest":{}}', '/vapix/axast']);
  t.equal(perform.status, 400);
  t.same(JSON.parse(perform.body.toString()), { Fault: 'env:Receiver', FaultCode: 'ter:Action', FaultSubCode: 'axast:DeviceNotCalibrated', FaultReason: 'The Auto Speaker Test cannot be done without prior calibration.', FaultMsg: null });
  t.equal((await curl(d.http, ['--data', '{"axast:CalibrateSpeakerTest":{}}', '/vapix/axast'])).body.toString(), '{}');
  let rep = '';
  for (let i = 0; i < 40; i++) {
    rep = (await curl(d.http, ['/vapix/axast?format=simple&action=axast:GetSpeakerTestReport'])).body.toString();
    if (!rep.includes('=Pending')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.match(rep, /^SpeakerTestReport_SpeakerTestStatus=Calibrated\nSpeakerTestReport_TestTimestamp=\nSpeakerTestReport_CalibrationTimestamp=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
});
