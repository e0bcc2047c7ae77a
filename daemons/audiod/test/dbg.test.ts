import t from 'tap';
import { startAudioDevice, sleep } from './device.js';
import { openReceive } from './helpers.js';
t.test('dbg', async (t) => {
  const d = await startAudioDevice(t);
  const r = await openReceive(d, 16000);
  const mic = d.mic();
  await sleep(500);
  for (let i = 0; i < 5; i++) {
    const n0 = r.bytes().length; const m0 = mic.samples().length;
    const t0 = performance.now();
    await d.benchPost('/bench/acoustic', { noiseDb: -20 });
    let at = 0, mat = 0;
    while (performance.now() - t0 < 1500 && (!at || !mat)) {
      const b = r.bytes().subarray(n0);
      if (!at && b.some((x) => ((~x >> 4) & 7) >= 4)) at = performance.now() - t0;
      const m = mic.samples().subarray(m0);
      if (!mat && m.some((v) => Math.abs(v) > 512)) mat = performance.now() - t0;
      await sleep(1);
    }
    console.log('receive', at.toFixed(1), 'tap', mat.toFixed(1));
    await d.benchPost('/bench/acoustic', { noiseDb: -90 });
    await sleep(500);
  }
  r.destroy(); mic.stop();
});
