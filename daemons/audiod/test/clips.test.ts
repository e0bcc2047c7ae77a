import { connect } from 'node:net';
import t, { type Test } from 'tap';
import { wavHeader } from '@belfry/board';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAudioDevice, sleep, toneDb, type AudioDevice } from './device.js';
import { durationSlackMs, makeClip, prng, randomBuffer, type ClipKind, type ClipOptions } from './fixtures.js';
import { download, rpcError, sine, upload, waitFor, wavBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'belfry-clips-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const clipDir = (d: AudioDevice) => join(d.tb.paths.state, 'audiod/clips');
const groups = async (d: AudioDevice) => {
  const { params } = await d.params.list({ groups: ['MediaClip'], level: 'internal' });
  return [...new Set(Object.keys(params).map((k) => /^MediaClip\.(M\d+)\./.exec(k)?.[1]).filter((g): g is string => !!g))].sort();
};
const files = (d: AudioDevice) => readdirSync(clipDir(d)).sort();

/** a mono 8-bit PCM wav of exactly `total` bytes (8-bit, so any size from 45 up is a valid clip) */
function wav8(total: number, rate = 16000): Buffer {
  const data = Buffer.alloc(total - 44);
  for (let i = 0; i < data.length; i++) data[i] = 128 + Math.round(60 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  return Buffer.concat([wavHeader(data.length, rate, 8), data]);
}

/** the upload is refused with `code` and a message matching `message`, and the store is as it was */
async function refusedUpload(t: Test, d: AudioDevice, bytes: Buffer, code: string, message: RegExp, what: string, name = 'Refused'): Promise<void> {
  const before = { groups: await groups(d), files: files(d), clips: (await d.audiod.listClips({})).clips.length };
  const r = await upload(d, name, 'refused.bin', bytes);
  t.equal(r.error?.code, code, `${what}: ${code}`);
  t.match(r.error?.message, message, `${what}: "${r.error?.message}"`);
  t.same(await groups(d), before.groups, `${what}: no MediaClip group left behind`);
  t.same(files(d), before.files, `${what}: no file left behind`);
  t.equal((await d.audiod.listClips({})).clips.length, before.clips, `${what}: no clip listed`);
}

t.test('clips through the media socket and RPC', async (t) => {
  const d = await startAudioDevice(t);
  const { clips: defaults } = await d.audiod.listClips({});

  await t.test('every accepted format round-trips and plays', async (t) => {
    const kinds: { kind: ClipKind; opts: ClipOptions; rate: number; channels: number; mime: string }[] = [
      { kind: 'au', opts: { rate: 8000 }, rate: 8000, channels: 1, mime: 'audio/basic' },
      { kind: 'wav', opts: { rate: 22050, channels: 2 }, rate: 22050, channels: 2, mime: 'audio/wav' },
      { kind: 'mp3', opts: { rate: 44100, kbps: 128 }, rate: 44100, channels: 1, mime: 'audio/mpeg' },
      { kind: 'opus', opts: { rate: 48000, channels: 2 }, rate: 48000, channels: 2, mime: 'audio/ogg' },
      { kind: 'vorbis', opts: { rate: 8000 }, rate: 8000, channels: 1, mime: 'audio/ogg' },
    ];
    for (const k of kinds) {
      const bytes = readFileSync(await makeClip(dir, k.kind, { ...k.opts, seconds: 1, toneHz: 1000 }));
      const r = await upload(d, `Format ${k.kind}`, `tone.${k.kind}`, bytes);
      t.equal(r.ok, true, `${k.kind}: uploaded ${JSON.stringify(r)}`);
      t.equal(r.replaced, false, `${k.kind}: a new clip`);
      const c = (await d.audiod.listClips({})).clips.find((x) => x.id === r.clip)!;
      t.ok(c, `${k.kind}: listed`);
      t.equal(c.name, `Format ${k.kind}`);
      t.equal(c.format, k.kind, `${k.kind}: format`);
      t.equal(c.mime, k.mime, `${k.kind}: mime`);
      t.equal(c.rate, k.rate, `${k.kind}: rate`);
      t.equal(c.channels, k.channels, `${k.kind}: channels`);
      t.equal(c.bytes, bytes.length, `${k.kind}: size`);
      t.ok(Math.abs(c.durationMs - 1000) <= durationSlackMs(k.kind, k.rate), `${k.kind}: ${c.durationMs} ms`);
      t.ok(typeof c.gainDb === 'number' && c.gainDb < 0 && c.gainDb > -15, `${k.kind}: ReplayGain ${c.gainDb} dB`);
      t.equal(c.originalName, `tone.${k.kind}`);
      t.match(c.location, new RegExp(`^/etc/audioclips/MediaClip\\.M${c.id}\\.`));
      t.ok(existsSync(join(clipDir(d), c.file)), `${k.kind}: the file is in the store`);

      const got = await download(d, c.id);
      t.equal(got.reply.ok, true);
      t.equal(got.reply.mime, k.mime, `${k.kind}: download mime`);
      t.equal(got.reply.bytes, bytes.length);
      t.ok(got.bytes.equals(bytes), `${k.kind}: the download is the upload, byte for byte`);

      const mon = d.monitor();
      await sleep(60);
      await d.audiod.play({ clip: c.id });
      await waitFor(`${k.kind} to finish`, async () => (await d.audiod.status({})).playing === null, 5000);
      await sleep(100);
      mon.stop();
      const s = mon.samples();
      t.ok(toneDb(s, 1000) > -40, `${k.kind}: 1 kHz at the speaker, ${toneDb(s, 1000).toFixed(1)} dB`);
    }
  });

  await t.test('bad files are refused with a reason and leave nothing behind', async (t) => {
    const wav = readFileSync(await makeClip(dir, 'wav', { seconds: 1 }));
    await refusedUpload(t, d, Buffer.from('Just some text, certainly not audio.\n'.repeat(20)), 'invalid_argument', /unsupported format/, 'wrong magic');
    await refusedUpload(t, d, wav.subarray(0, 30), 'invalid_argument', /truncated/, 'a wav cut inside its header');
    await refusedUpload(t, d, wav.subarray(0, wav.length - 1000), 'invalid_argument', /truncated or its header is wrong/, 'a wav cut inside its audio');
    const au = readFileSync(await makeClip(dir, 'au', { rate: 44100 }));
    await refusedUpload(t, d, au, 'invalid_argument', /au: sample rate 44100 Hz is not supported/, 'au at 44.1 kHz');
    const mp3 = readFileSync(await makeClip(dir, 'mp3', { rate: 16000, kbps: 32 }));
    await refusedUpload(t, d, mp3, 'invalid_argument', /mp3: bitrate 32 kbit\/s is not supported/, 'mp3 at 32 kbit/s');
    const hours = Buffer.from(wav);
    hours.writeUInt32LE(16000 * 2 * 3 * 3600, 40);
    await refusedUpload(t, d, hours, 'invalid_argument', /announces 3 h 0 min of audio/, 'a wav header claiming three hours');
    // a header that claims hours and is honest about it (0xFFFFFFFF = "until the end") but is long: the duration limit
    await d.params.update({ changes: { 'MediaClip.MaxDuration': '1' }, level: 'internal' });
    await refusedUpload(t, d, readFileSync(await makeClip(dir, 'wav', { seconds: 2 })), 'invalid_argument', /too long: 2\.0 s of audio, the limit is 1\.0 s/, 'longer than MediaClip.MaxDuration');
    await d.params.update({ changes: { 'MediaClip.MaxDuration': '600' }, level: 'internal' });

    // garbage behind two plausible mp3 frame headers: the probe is fooled, the decoder is not
    const real = readFileSync(await makeClip(dir, 'mp3', { rate: 44100, kbps: 128 }));
    const next = prng(11);
    const fake = Buffer.concat([real.subarray(0, 4), randomBuffer(next, 413), real.subarray(417, 421), randomBuffer(next, 20_000)]);
    await refusedUpload(t, d, fake, 'invalid_argument', /could not be decoded/, 'probes fine, does not decode');

    await refusedUpload(t, d, Buffer.from([1, 2, 3]), 'invalid_argument', /unsupported format/, 'three bytes');
    const empty = await upload(d, 'Empty', 'empty.wav', Buffer.alloc(0));
    t.equal(empty.error?.code, 'invalid_argument', 'an empty file');

    // the upload's HTTP side: a body cut short (the client announced more and left), a request
    // with no name (the filename's stem is the name), a clip id that is no number
    const before = { groups: await groups(d), files: files(d) };
    const short = await new Promise<string>((resolve) => {
      const s = connect(join(d.tb.paths.run, 'audiod/http.sock'));
      let got = '';
      s.on('data', (b: Buffer) => (got += b.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.write(`POST /api/v1/clips?name=Short HTTP/1.1\r\nHost: x\r\nx-belfry-role: admin\r\nx-belfry-via: digest\r\nContent-Length: ${wav.length}\r\n\r\n`);
      s.end(wav.subarray(0, 1000));
    });
    t.notMatch(short, /^HTTP\/1\.1 20/, 'an upload that ends early is not stored');
    const noNumber = await download(d, 'one');
    t.equal(noNumber.reply.error?.code, 'invalid_argument', 'a download of a clip that is not a number');
    t.same({ groups: await groups(d), files: files(d) }, before, 'nothing left behind by any of them');
  });

  await t.test('names', async (t) => {
    const wav = wavBytes(sine(1000, 0.2, 0.3));
    for (const name of ['bell\x07', 'two\nlines', '\x1b[31mred', 'del\x7f', '', '   ', 'x'.repeat(65)]) {
      await refusedUpload(t, d, wav, 'invalid_argument', /1–64 characters without control characters/, `name ${JSON.stringify(name)}`, name);
    }
    const r = await upload(d, '  Ünïcode name ✓  ', 'u.wav', wav);
    t.equal(r.ok, true, 'a unicode name, trimmed');
    t.equal((await d.audiod.listClips({})).clips.find((c) => c.id === r.clip)?.name, 'Ünïcode name ✓');
    const long = await upload(d, 'y'.repeat(64), 'y.wav', wav);
    t.equal(long.ok, true, '64 characters');
    await d.audiod.removeClip({ clip: r.clip });
    await d.audiod.removeClip({ clip: long.clip });
  });

  await t.test('upload size limit at the limit', async (t) => {
    await d.params.update({ changes: { 'MediaClip.MaxUploadSize': '0.1' }, level: 'internal' });
    t.equal((await d.audiod.listClips({})).maxUploadBytes, 100_000);
    const exact = wav8(100_000);
    const ok = await upload(d, 'Exactly at the limit', 'limit.wav', exact);
    t.equal(ok.ok, true, `100000 bytes accepted ${JSON.stringify(ok)}`);
    await refusedUpload(t, d, wav8(100_001), 'too_large', /larger than the upload limit \(0\.1 MB\)/, '100001 bytes');
    const got = await download(d, ok.clip);
    t.ok(got.bytes.equals(exact), 'the clip at the limit downloads whole');
    await d.audiod.removeClip({ clip: ok.clip });
    await d.params.update({ changes: { 'MediaClip.MaxUploadSize': '1.5' }, level: 'internal' });
  });

  await t.test('storage quota and replacing by name', async (t) => {
    await d.params.update({ changes: { 'MediaClip.StorageQuota': '1' }, level: 'internal' });
    const l = await d.audiod.listClips({});
    t.equal(l.quotaBytes, 1_000_000);
    const free = l.quotaBytes - l.usedBytes;
    t.ok(free > 500_000 && free < 1_000_000, `${free} bytes free`);
    await refusedUpload(t, d, wav8(free + 1), 'limit_exceeded', /not enough clip storage/, 'one byte over the quota', 'Big');
    const fill = await upload(d, 'Big', 'big.wav', wav8(free));
    t.equal(fill.ok, true, `exactly the free space is accepted ${JSON.stringify(fill)}`);
    t.equal((await d.audiod.listClips({})).usedBytes, 1_000_000, 'the store is full');
    await refusedUpload(t, d, wavBytes(sine(1000, 0.1, 0.3)), 'limit_exceeded', /not enough clip storage: 0\.00 MB free/, 'a small clip into a full store');
    // replacing counts the old file as free: the same size again under the same name fits
    const again = wav8(free);
    again[100] = 1;
    const rep = await upload(d, 'Big', 'big2.wav', again);
    t.same([rep.ok, rep.clip, rep.replaced], [true, fill.clip, true], 'same name: replaced, same id');
    t.ok((await download(d, fill.clip)).bytes.equals(again), 'the new bytes are served');
    t.equal((await d.audiod.listClips({})).clips.filter((c) => c.name === 'Big').length, 1, 'one clip of that name');
    t.equal(files(d).filter((f) => f.startsWith(`${fill.clip}.`)).length, 1, 'one file for it');
    // a replacement in another format: the old file goes
    const mp3 = readFileSync(await makeClip(dir, 'mp3', { rate: 16000, kbps: 64, seconds: 1 }));
    const rep2 = await upload(d, 'Big', 'big.mp3', mp3);
    t.same([rep2.clip, rep2.replaced], [fill.clip, true]);
    t.same(files(d).filter((f) => f.startsWith(`${fill.clip}.`)), [`${fill.clip}.mp3`], 'the wav is gone, the mp3 is there');
    t.match((await d.audiod.listClips({})).clips.find((c) => c.id === fill.clip), { format: 'mp3', location: `/etc/audioclips/MediaClip.M${fill.clip}.mp3` });
    await d.audiod.removeClip({ clip: fill.clip });
    await d.params.update({ changes: { 'MediaClip.StorageQuota': '20' }, level: 'internal' });
  });

  await t.test('uploads at once: measured together, committed one at a time against the quota', async (t) => {
    await d.params.update({ changes: { 'MediaClip.StorageQuota': '1' }, level: 'internal' });
    const l = await d.audiod.listClips({});
    const each = Math.floor(((l.quotaBytes - l.usedBytes) * 0.6) / 2) * 2;
    // two HTTP requests at once: whichever body arrives first is committed first
    const both = await Promise.all([upload(d, 'Twin A', 'a.wav', wav8(each)), upload(d, 'Twin B', 'b.wav', wav8(each))]);
    const won = both.findIndex((r) => r.ok === true);
    t.ok(won >= 0, 'one is committed');
    t.equal(both[1 - won]?.error?.code, 'limit_exceeded', 'the other finds the store full');
    const after = await d.audiod.listClips({});
    t.same(after.clips.filter((c) => c.name.startsWith('Twin')).map((c) => c.name), [won === 0 ? 'Twin A' : 'Twin B'], 'only the one that fitted is listed');
    t.equal(after.usedBytes, l.usedBytes + each, 'and only its bytes are used');
    if (won >= 0) await d.audiod.removeClip({ clip: both[won]!.clip });
    await d.params.update({ changes: { 'MediaClip.StorageQuota': '20' }, level: 'internal' });
  });

  await t.test('rename and remove', async (t) => {
    const wav = wavBytes(sine(1000, 0.3, 0.3));
    const a = await upload(d, 'Alpha', 'a.wav', wav);
    const b = await upload(d, 'Beta', 'b.wav', wav);
    await d.audiod.renameClip({ clip: a.clip, name: 'Gamma' });
    t.equal((await d.audiod.listClips({})).clips.find((c) => c.id === a.clip)?.name, 'Gamma', 'renamed');
    t.equal((await d.params.get({ names: [`MediaClip.M${a.clip}.Name`], level: 'internal' })).params[`MediaClip.M${a.clip}.Name`], 'Gamma', 'the param follows');
    t.equal((await rpcError(d.audiod.renameClip({ clip: a.clip, name: 'tab\there' }))).code, 'invalid_argument', 'rename to a control character');
    t.equal((await rpcError(d.audiod.renameClip({ clip: 9999, name: 'x' }))).code, 'not_found', 'rename an unknown clip');
    // an upload under the new name replaces the renamed clip
    const r = await upload(d, 'Gamma', 'g.wav', wav);
    t.same([r.clip, r.replaced], [a.clip, true]);

    const fileA = (await d.audiod.listClips({})).clips.find((c) => c.id === a.clip)!.file;
    await d.audiod.removeClip({ clip: a.clip });
    t.notOk(existsSync(join(clipDir(d), fileA)), 'removeClip deletes the file');
    t.notOk((await groups(d)).includes(`M${a.clip}`), 'and the param group');
    t.notOk((await d.audiod.listClips({})).clips.some((c) => c.id === a.clip), 'and the listing');
    t.equal((await rpcError(d.audiod.removeClip({ clip: a.clip }))).code, 'not_found', 'removing it again');
    t.equal((await rpcError(d.audiod.play({ clip: a.clip }))).code, 'not_found', 'playing it');
    const gone = await download(d, a.clip);
    t.equal(gone.reply.error?.code, 'not_found', 'downloading it');

    // param.cgi's way: the param group goes, audiod follows and deletes the audio
    const fileB = (await d.audiod.listClips({})).clips.find((c) => c.id === b.clip)!.file;
    await d.params.remove({ groups: [`MediaClip.M${b.clip}`], level: 'internal' });
    await waitFor('the file of a clip removed through paramd to go', () => !existsSync(join(clipDir(d), fileB)));
    t.notOk((await d.audiod.listClips({})).clips.some((c) => c.id === b.clip), 'gone from the listing');

    // removing the clip that plays stops it
    const c = await upload(d, 'Long', 'long.wav', wavBytes(sine(1000, 3, 0.3)));
    await d.audiod.play({ clip: c.clip });
    t.equal((await d.audiod.status({})).playing?.clip, c.clip, 'playing');
    await d.params.remove({ groups: [`MediaClip.M${c.clip}`], level: 'internal' });
    await waitFor('the removed clip to stop', async () => (await d.audiod.status({})).playing === null, 2000);
    t.pass('a clip removed while it plays stops');
  });

  await t.test('clips and their metadata survive a restart', async (t) => {
    const bytes = readFileSync(await makeClip(dir, 'opus', { rate: 48000, seconds: 1 }));
    const u = await upload(d, 'Survivor', 'survivor.opus', bytes);
    const before = await d.audiod.listClips({});
    const beforeFiles = files(d);
    await d.restartAudiod();
    const after = await d.audiod.listClips({});
    t.same(after.clips, before.clips, 'the same clips, ids, names and measurements');
    t.equal(after.usedBytes, before.usedBytes);
    t.same(files(d), beforeFiles, 'the same files');
    t.ok((await download(d, u.clip)).bytes.equals(bytes), 'the same bytes');
    t.same(after.clips.slice(0, defaults.length).map((c) => c.name), defaults.map((c) => c.name), 'the defaults were not installed again');
    const mon = d.monitor();
    await sleep(60);
    await d.audiod.play({ clip: u.clip });
    await waitFor('the clip to finish', async () => (await d.audiod.status({})).playing === null, 5000);
    mon.stop();
    t.ok(toneDb(mon.samples(), 1000) > -40, 'and it plays');
  });
});
