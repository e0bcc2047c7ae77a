import t from 'tap';
import { startAudioDevice, sleep } from './device.js';
import { recordEvents, waitFor } from './helpers.js';

const TRIGGER = 'tns1:AudioSource/tnsaxis:TriggerLevel';

t.test('sound level detection', async (t) => {
  const d = await startAudioDevice(t);
  const events = await recordEvents(d, t, TRIGGER);
  const states = () => events.map((e) => e.data.triggered);
  const noise = (noiseDb: number) => d.benchPost('/bench/acoustic', { noiseDb });
  /** back to a quiet room, and the detector has heard it (the mic path lags the bench by a window or two) */
  const quiet = async () => {
    await noise(-90);
    await waitFor('the level to drop', async () => (await d.audiod.status({})).inputLevel < 10, 3000);
    await sleep(200);
  };
  const alarmLevel = async (v: number) => {
    await d.params.update({ changes: { 'AudioSource.A0.AlarmLevel': String(v) }, level: 'internal' });
    await sleep(100);
  };

  await waitFor('the initial state', () => events.length > 0);
  t.same(states(), [false], 'not triggered in a quiet room');
  t.match(events[0]?.source, { channel: 1 });

  await t.test('loud ambient noise triggers, quiet releases after about a second', async (t) => {
    await noise(-20);
    await waitFor('triggered', () => states().at(-1) === true, 3000);
    // the window that triggered may have been loud for part of its length only
    await sleep(300);
    const st = await d.audiod.status({});
    // −20 dBFS on the 0 = −90, 100 = 0 dBFS scale
    t.ok(Math.abs(st.inputLevel - 78) <= 3, `input level ${st.inputLevel}`);
    await sleep(200);
    t.same(states(), [false, true], 'one event while it stays loud');
    await noise(-90);
    const quietAt = performance.now();
    await waitFor('released', () => states().at(-1) === false, 4000);
    const after = performance.now() - quietAt;
    t.ok(after >= 900, `released ${after.toFixed(0)} ms after the room went quiet, not at once`);
    t.same(states(), [false, true, false]);
    t.ok((await d.audiod.status({})).inputLevel < 10, 'the level is down');
  });

  await t.test('the threshold', async (t) => {
    events.length = 0;
    // −20 dBFS reads as 78: a threshold of 85 stays quiet, 70 triggers
    await alarmLevel(85);
    await noise(-20);
    await sleep(800);
    t.same(states(), [], `level ${(await d.audiod.status({})).inputLevel} below AlarmLevel 85: no event`);
    await alarmLevel(70);
    await waitFor('triggered at 70', () => states().at(-1) === true, 3000);
    t.pass('AlarmLevel 70 triggers on the same noise');
    // a level just under the threshold is not enough to release: it must fall 3 points below
    await alarmLevel(77);
    await sleep(1500);
    t.equal(states().at(-1), true, 'within 3 points of the threshold it holds');
    await noise(-90);
    await waitFor('released', () => states().at(-1) === false, 4000);
  });

  await t.test('AlarmLevel 100 never triggers', async (t) => {
    events.length = 0;
    await alarmLevel(100);
    await noise(0);
    await sleep(1200);
    const st = await d.audiod.status({});
    t.ok(st.inputLevel >= 95, `input level ${st.inputLevel} at full-scale noise`);
    t.same(states(), [], 'no event');
    await quiet();
  });

  await t.test('input mute and the microphone switch silence the detector', async (t) => {
    events.length = 0;
    await alarmLevel(50);
    await d.params.update({ changes: { 'AudioSource.A0.InputMute': 'yes' }, level: 'internal' });
    await sleep(100);
    await noise(-20);
    await sleep(800);
    t.same(states(), [], 'muted: no event');
    t.equal((await d.audiod.status({})).inputLevel, 0);
    await d.params.update({ changes: { 'AudioSource.A0.InputMute': 'no' }, level: 'internal' });
    await waitFor('triggered once unmuted', () => states().at(-1) === true, 3000);
    await d.benchPost('/bench/mic-switch', { on: false });
    await waitFor('released with the microphone off', () => states().at(-1) === false, 4000);
    t.same(states(), [true, false]);
    // quiet first: switched on into the noise, the detector would trigger again
    await noise(-90);
    await d.benchPost('/bench/mic-switch', { on: true });
    await waitFor('audiod to see the switch on', async () => (await d.audiod.status({})).microphone === true);
    await quiet();
    t.same(states(), [true, false], 'and stays released');
  });

  await t.test('input gain counts', async (t) => {
    events.length = 0;
    // −50 dBFS reads as 44, under 50; +12 dB of input gain lifts it to 58
    await noise(-50);
    await sleep(800);
    t.same(states(), [], `level ${(await d.audiod.status({})).inputLevel}: no event`);
    await d.params.update({ changes: { 'AudioSource.A0.InputGain': '12' }, level: 'internal' });
    await waitFor('triggered with gain', () => states().at(-1) === true, 3000);
    // the window that triggered may have had the gain for part of its length only
    await sleep(300);
    t.ok(Math.abs((await d.audiod.status({})).inputLevel - 58) <= 3, `level ${(await d.audiod.status({})).inputLevel} with +12 dB`);
    await d.params.update({ changes: { 'AudioSource.A0.InputGain': '0' }, level: 'internal' });
    await noise(-90);
    await waitFor('released', () => states().at(-1) === false, 4000);
  });

  await t.test('after a long idle period it still triggers and releases', async (t) => {
    events.length = 0;
    await alarmLevel(50);
    // nothing plays and nobody listens: the card's room is still, and far below the threshold the
    // detector asks for the longest periods (1 s)
    await sleep(5000);
    t.same(states(), [], 'quiet while idle');
    await noise(-20);
    await waitFor('triggered after the idle period', () => states().at(-1) === true, 3000);
    await noise(-90);
    const quietAt = performance.now();
    await waitFor('released', () => states().at(-1) === false, 4000);
    t.ok(performance.now() - quietAt >= 900, 'released after the hold, not at once');
    t.same(states(), [true, false]);
  });
});
