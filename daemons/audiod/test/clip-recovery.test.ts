import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ClipInfo } from '../src/clips/store.js';
import { startAudioDevice, type AudioDevice } from './device.js';
import { download, sine, upload, waitFor, wavBytes } from './helpers.js';

/**
 * A lost store must never cascade into deleting clips (issue 9 item 1): when paramd loses its
 * params (both copies damaged → defaults) or audiod loses `clips.json`, every clip stays, under its
 * name, with its audio and its measurements; every re-registration is a warning audit line.
 */
const summary = (clips: ClipInfo[]) => clips.map((c) => ({ name: c.name, bytes: c.bytes, durationMs: c.durationMs, gainDb: c.gainDb, format: c.format })).sort((a, b) => a.name.localeCompare(b.name));
const damage = (dir: string, base: string) => {
  for (const f of [`${base}.json`, `${base}.copy.json`]) writeFileSync(join(dir, f), 'x');
};
const auditLines = (d: AudioDevice, daemon: string) => {
  const f = join(d.tb.paths.log, `audit-${daemon}.log`);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
};

async function deviceWithClips(t: Test) {
  const d = await startAudioDevice(t);
  const up = await upload(d, 'Announcement', 'announce.wav', wavBytes(sine(440, 0.5, 0.3)));
  t.ok(up.ok, 'a user clip');
  // renamed through param.cgi (a param write, not audiod's API): the store must remember the new name
  await d.params.update({ changes: { 'MediaClip.M1.Name': 'Beep renamed' }, level: 'operator' });
  const before = (await d.audiod.listClips({})).clips;
  t.same(before.map((c) => c.name).sort(), ['Announcement', 'Beep renamed', 'Doorbell', 'Siren'], 'three factory clips and the user clip');
  return { d, before, userBytes: (await download(d, up.clip as number)).bytes };
}

t.test('both params copies damaged: every clip is kept and re-registered, loudly', async (t) => {
  const { d, before, userBytes } = await deviceWithClips(t);
  const paramdDir = join(d.tb.paths.state, 'paramd');
  const clipDir = join(d.tb.paths.state, 'audiod/clips');
  const files = readdirSync(clipDir).sort();
  await d.restartBoth(() => damage(paramdDir, 'params'));
  const after = (await d.audiod.listClips({})).clips;
  t.same(summary(after), summary(before), 'every clip, under its name, with its measurements');
  t.same(readdirSync(clipDir).sort(), files, 'no audio file deleted');
  const user = after.find((c) => c.name === 'Announcement')!;
  t.ok((await download(d, user.id)).bytes.equals(userBytes), 'the user clip holds its audio');
  const p = await d.params.get({ names: [`MediaClip.M${user.id}.Location`] });
  t.equal(p.params[`MediaClip.M${user.id}.Location`], user.location, 'its Location param is set again');
  const rereg = auditLines(d, 'audiod').filter((l) => l.action === 'clip.reregistered');
  t.equal(rereg.length, 4, 'one audit line per clip');
  t.ok(rereg.every((l) => l.level === 'warn' && l.reason === 'paramd lost its configuration'), 'at warning level, with the reason');
  t.ok(auditLines(d, 'paramd').some((l) => l.action === 'params.recovered' && l.from === 'defaults' && l.level === 'warn'), 'paramd says it reset the configuration');

  await d.restartAudiod();
  t.equal(auditLines(d, 'audiod').filter((l) => l.action === 'clip.reregistered').length, 4, 'a loss is handled once');
  t.same(summary((await d.audiod.listClips({})).clips), summary(before));
  // once the loss is handled, a group removed while audiod is down is a removal again
  await d.restartAudiod(() => d.params.remove({ groups: [`MediaClip.M${user.id}`], level: 'operator' }));
  t.notOk((await d.audiod.listClips({})).clips.some((c) => c.name === 'Announcement'), 'the removed clip is gone');
  t.notOk(readdirSync(clipDir).includes(user.file), 'with its audio');
});

t.test('paramd loses its params while audiod runs: the clips come back without an audiod restart', async (t) => {
  const { d, before } = await deviceWithClips(t);
  await d.restartParamd(() => damage(join(d.tb.paths.state, 'paramd'), 'params'));
  const after = await waitFor('the clips re-registered', async () => {
    const c = (await d.audiod.listClips({})).clips;
    return c.length === before.length ? c : undefined;
  });
  t.same(summary(after), summary(before));
});

t.test('clips.json lost in both copies: the files are measured again and kept', async (t) => {
  const { d, before } = await deviceWithClips(t);
  writeFileSync(join(d.tb.paths.state, 'audiod/clips/99.wav'), 'not audio at all');
  await d.restartAudiod(() => damage(join(d.tb.paths.state, 'audiod'), 'clips'));
  t.same(summary((await d.audiod.listClips({})).clips), summary(before), 'names from the params, measurements from the files');
  const lines = auditLines(d, 'audiod');
  t.ok(lines.some((l) => l.action === 'clips.store_damaged' && l.level === 'warn'), 'the damage is a warning audit line');
  t.ok(lines.some((l) => l.action === 'clips.file_set_aside' && l.file === '99.wav'), 'a file that is not audio is set aside, not deleted');
  t.ok(readdirSync(join(d.tb.paths.state, 'audiod/clips-lost')).some((f) => f.endsWith('-99.wav')));

  // and both stores lost at once: the factory clips are known by their bytes
  await d.restartBoth(() => {
    damage(join(d.tb.paths.state, 'paramd'), 'params');
    damage(join(d.tb.paths.state, 'audiod'), 'clips');
  });
  const names = (await d.audiod.listClips({})).clips.map((c) => c.name).sort();
  t.same(names, ['Beep', 'Doorbell', 'Recovered clip 3', 'Siren'], 'factory clips under their names, the user clip under a recovered one');
});
