import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { RpcCaller, type ParamdContract } from '@belfry/core';
import { startAudioDevice } from './device.js';
import { rpcError, upload, wavBytes } from './helpers.js';

/**
 * What a crash (or power loss) at each step of an upload can leave behind, and what audiod makes of
 * it at the next start (ClipStore.reconcile): never a clip that plays garbage, never a file nobody
 * can delete, never a lost acknowledged upload.
 */
t.test('clip store: states a crash can leave are put right at start', async (t) => {
  const d = await startAudioDevice(t);
  const dir = join(d.tb.paths.state, 'audiod/clips');
  const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 500 * i) / 16000)));
  const kept = await upload(d, 'Kept', 'kept.wav', wavBytes(tone));
  t.ok(kept.ok, 'an acknowledged upload');
  const gone = await upload(d, 'Gone', 'gone.wav', wavBytes(tone));
  const before = (await d.audiod.listClips({})).clips.map((c) => c.id);

  let orphanGroup = '';
  await d.restartAudiod(async () => {
    // 1. killed while analysing an upload: its temporary file
    writeFileSync(join(dir, 'incoming-0123456789ab.part'), wavBytes(tone));
    // 2. killed after moving a file into place but before its metadata was saved
    writeFileSync(join(dir, '49.wav'), wavBytes(tone));
    // 3. killed after the param group was added, before the file moved: a group without audio
    orphanGroup = (await d.params.add({ group: 'MediaClip', template: 'mediaclip', values: { Name: 'Half' }, level: 'internal' })).instance;
    // 4. a factory default or param.cgi remove while audiod was down: metadata without a group
    await d.params.remove({ groups: [`MediaClip.M${gone.clip}`], level: 'internal' });
    // 5. killed before the Location param was set (a read-only param: only audiod may write it)
    const bus = await d.tb.connect('audiod');
    const asAudiod = new RpcCaller(bus);
    await asAudiod.client<ParamdContract>('paramd').update({ changes: { [`MediaClip.M${kept.clip}.Location`]: '/etc/audioclips/wrong.au' }, level: 'internal' });
    asAudiod.close();
    await bus.close();
  });

  const files = readdirSync(dir).sort();
  t.notOk(files.some((f) => f.startsWith('incoming-')), 'the temporary upload is gone');
  t.notOk(files.includes('49.wav'), 'a file without metadata is gone');
  t.notOk(files.some((f) => f.startsWith(`${gone.clip}.`)), 'the audio of a removed group is gone');
  const after = (await d.audiod.listClips({})).clips;
  t.same(after.map((c) => c.id).sort(), before.filter((id) => id !== gone.clip).sort(), 'every acknowledged clip whose group exists is still there');
  const k = after.find((c) => c.id === kept.clip)!;
  t.equal(k.location, `/etc/audioclips/MediaClip.M${kept.clip}.wav`, 'the Location param is put right');
  const p = await d.params.get({ names: [`MediaClip.M${kept.clip}.Location`] });
  t.equal(p.params[`MediaClip.M${kept.clip}.Location`], `/etc/audioclips/MediaClip.M${kept.clip}.wav`);
  t.ok(existsSync(join(dir, `${kept.clip}.wav`)));
  // a group without audio is left for its owner to fill or remove; playing it says why it cannot
  const id = Number(orphanGroup.replace('M', ''));
  t.notOk(after.some((c) => c.id === id), 'a group without audio is not listed as a clip');
  t.match(await rpcError(d.audiod.play({ clip: id })), { code: 'failed_precondition', message: /no audio file/ });
  // the store still works: an upload replaces nothing and gets a fresh id
  const again = await upload(d, 'After', 'after.wav', wavBytes(tone));
  t.ok(again.ok && !again.replaced);
});
