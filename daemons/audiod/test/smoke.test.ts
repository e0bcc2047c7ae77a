import t from 'tap';
import { startAudioDevice, sleep, toneDb } from './device.js';

t.test('default clips exist and one plays to the simulated speaker', async (t) => {
  const d = await startAudioDevice(t);
  const { clips } = await d.audiod.listClips({});
  // measured at once on the first boot, stored in order (store.upload)
  t.same(clips.map((c) => [c.id, c.name]), [[0, 'Doorbell'], [1, 'Beep'], [2, 'Siren']]);
  const mon = d.monitor();
  await sleep(100);
  const beep = clips.find((c) => c.name === 'Beep')!;
  const r = await d.audiod.play({ clip: beep.id });
  t.equal(r.clip, beep.id);
  await sleep(1500);
  mon.stop();
  const s = mon.samples();
  t.ok(s.length > 16000, `monitor got ${s.length} samples`);
  t.ok(toneDb(s, 1000) > -30, `1 kHz at ${toneDb(s, 1000).toFixed(1)} dB`);
  const st = await d.audiod.status({});
  t.ok(st.lastStartLatencyMs !== null, `latency ${st.lastStartLatencyMs} ms`);
});
