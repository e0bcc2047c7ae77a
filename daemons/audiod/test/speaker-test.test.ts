import t from 'tap';
import type { SpeakerTestReport } from '../src/speaker-test/report.js';
import { startAudioDevice, sleep, type AudioDevice } from './device.js';
import { openTransmit, refusedTransmit, recordEvents, rpcError, sine, upload, waitFor, wavBytes } from './helpers.js';

const TEST_RESULT = 'tns1:Device/tnsaxis:SpeakerTest/TestResult';
const AXAST_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** the report once the run in progress has finished */
async function settled(d: AudioDevice): Promise<SpeakerTestReport> {
  return waitFor('the speaker test to finish', async () => {
    const r = await d.audiod.speakerTestReport({});
    return r.status === 'Pending' ? undefined : r;
  }, 20_000, 100);
}

async function perform(d: AudioDevice): Promise<SpeakerTestReport> {
  await d.audiod.performSpeakerTest({});
  return settled(d);
}

t.test('speaker test', async (t) => {
  const d = await startAudioDevice(t);
  const results = await recordEvents(d, t, TEST_RESULT);
  const statuses = () => results.map((e) => e.data.SpeakerTestStatus);
  const clip = (await upload(d, 'Long', 'long.wav', wavBytes(sine(1000, 3, 0.25)))).clip as number;

  await t.test('before any calibration', async (t) => {
    t.same(await d.audiod.speakerTestReport({}), { status: 'Uncalibrated', testTimestamp: '', calibrationTimestamp: '' });
    const e = await rpcError(d.audiod.performSpeakerTest({}));
    t.equal(e.code, 'failed_precondition');
    t.equal(e.target, 'DeviceNotCalibrated', 'named DeviceNotCalibrated (the VAPIX fault)');
  });

  await t.test('the microphone switch off', async (t) => {
    await d.benchPost('/bench/mic-switch', { on: false });
    await waitFor('audiod to see the switch', async () => (await d.audiod.status({})).microphone === false);
    for (const run of [() => d.audiod.calibrateSpeakerTest({}), () => d.audiod.performSpeakerTest({})]) {
      const e = await rpcError(run());
      t.equal(e.code, 'failed_precondition');
      t.equal(e.target, 'DisabledInHardware');
    }
    t.equal((await d.audiod.speakerTestReport({})).status, 'DisabledInHardware', 'the report says so');
    await d.benchPost('/bench/mic-switch', { on: true });
    await waitFor('audiod to see the switch on', async () => (await d.audiod.status({})).microphone === true);
    t.equal((await d.audiod.speakerTestReport({})).status, 'Uncalibrated', 'and stops saying so');
  });

  let calibratedAt = '';
  await t.test('calibrate, and nothing else plays meanwhile', async (t) => {
    t.same(await d.audiod.calibrateSpeakerTest({}), {});
    // at once, before the stimulus reaches the mixer: nothing plays yet, but the speaker is taken
    t.match(await refusedTransmit(d, 8000), { status: 503, text: /speaker test/ }, 'live audio just as the calibration starts');
    t.same(await d.audiod.speakerTestReport({}), { status: 'Pending', testTimestamp: '', calibrationTimestamp: '' }, 'Pending at once');
    const again = await rpcError(d.audiod.calibrateSpeakerTest({}));
    t.same([again.code, again.target], ['failed_precondition', 'Busy'], 'a calibration while calibrating');
    const play = await rpcError(d.audiod.play({ clip }));
    t.equal(play.code, 'failed_precondition', 'a clip while calibrating');
    t.match(play.message, /busy/);
    t.match(await refusedTransmit(d, 8000), { status: 503, text: /speaker test/ }, 'live audio while calibrating');
    const r = await settled(d);
    t.equal(r.status, 'Calibrated', JSON.stringify(r.details));
    t.match(r.calibrationTimestamp, AXAST_TIME);
    t.equal(r.testTimestamp, '');
    calibratedAt = r.calibrationTimestamp;
    t.equal(results.length, 0, 'a calibration sends no TestResult');
  });

  await t.test('a test is refused while a clip plays', async (t) => {
    await d.audiod.play({ clip });
    const e = await rpcError(d.audiod.performSpeakerTest({}));
    t.same([e.code, e.target], ['failed_precondition', 'Busy']);
    t.match(e.message, /a clip is playing/);
    await d.audiod.stop({});
  });

  await t.test('a healthy speaker passes', async (t) => {
    const r = await perform(d);
    t.equal(r.status, 'OK', JSON.stringify(r.details?.reasons));
    t.match(r.testTimestamp, AXAST_TIME);
    t.equal(r.calibrationTimestamp, calibratedAt);
    t.equal(r.details?.bands?.length, 9, 'nine bands reported');
    t.same(r.details?.reasons, []);
    await waitFor('the TestResult event', () => results.length === 1);
    t.same(statuses(), ['OK'], 'TestResult OK');
    t.match(results[0]?.source, { DeviceUUID: /.+/ });
  });

  await t.test('each speaker fault fails the test', async (t) => {
    const faults: [string, object, RegExp][] = [
      ['dead', { fault: 'dead' }, /below calibration/],
      ['attenuated by 10 dB', { fault: 'attenuate', dB: 10 }, /mean level \d+(\.\d)? dB below calibration/],
      ['muffled above 1 kHz', { fault: 'muffle', cutoffHz: 1000 }, /(4000|5000|6300) Hz: [\d.]+ dB below calibration/],
      ['rattling', { fault: 'rattle' }, /distortion/],
    ];
    for (const [what, fault, reason] of faults) {
      await d.benchPost('/bench/acoustic', fault);
      const r = await perform(d);
      t.equal(r.status, 'Failed', `${what}: Failed`);
      t.match((r.details?.reasons ?? []).join('; '), reason, `${what}: ${(r.details?.reasons ?? []).slice(0, 3).join('; ')}`);
    }
    await d.benchPost('/bench/acoustic', { fault: 'none' });
    await waitFor('four more TestResult events', () => results.length === 5);
    t.same(statuses(), ['OK', 'Failed', 'Failed', 'Failed', 'Failed']);
  });

  await t.test('a noisy room: retries, then Failed with the noise as the reason', async (t) => {
    await d.params.update({ changes: { 'SpeakerTest.Retries': '1' }, level: 'internal' });
    // the tones reach the microphone at about −21 dBFS RMS; the room is louder than that
    await d.benchPost('/bench/acoustic', { noiseDb: -18 });
    await d.audiod.performSpeakerTest({});
    // the pause between attempts leaves the mixer empty; live audio must still be kept out
    let accepted = 0;
    let tries = 0;
    while ((await d.audiod.speakerTestReport({})).status === 'Pending') {
      const tx = await openTransmit(d, 8000);
      tx.destroy();
      // accepted just as the run ended is fine; accepted while it still runs is not
      if (!tx.refused && (await d.audiod.speakerTestReport({})).status === 'Pending') accepted++;
      tries++;
      await sleep(100);
    }
    t.equal(accepted, 0, `no live audio accepted during the run (${tries} tries)`);
    const r = await settled(d);
    t.equal(r.status, 'Failed');
    t.equal(r.details?.attempts, 2, 'one retry (SpeakerTest.Retries 1)');
    t.match(r.details?.reasons?.[0], /ambient noise too high after 2 attempts/);
    t.ok((r.details?.noiseDbfs ?? -100) > -25, `noise ${r.details?.noiseDbfs} dBFS reported`);
    await d.benchPost('/bench/acoustic', { noiseDb: -70 });
    await d.params.update({ changes: { 'SpeakerTest.Retries': '2' }, level: 'internal' });
  });

  let lastReport: SpeakerTestReport | undefined;
  await t.test('the control button starts a calibration', async (t) => {
    const buttons = ((await (await fetch(`${d.bench}/bench/state`)).json()) as { buttons: Record<string, unknown> }).buttons;
    t.ok('control' in buttons, `the board has a control button (${Object.keys(buttons).join(', ')})`);
    await d.benchPost('/bench/button', { name: 'control', action: 'press' });
    await waitFor('the calibration to start', async () => (await d.audiod.speakerTestReport({})).status === 'Pending', 3000);
    await d.benchPost('/bench/button', { name: 'control', action: 'release' });
    const r = await settled(d);
    t.equal(r.status, 'Calibrated', 'a new calibration replaces the last report');
    t.match(r.calibrationTimestamp, AXAST_TIME);
    t.not(r.calibrationTimestamp, calibratedAt, `a new calibration time (${calibratedAt} → ${r.calibrationTimestamp})`);
    t.equal(r.testTimestamp, '');
    lastReport = r;
  });

  await t.test('the report and the calibration survive a restart', async (t) => {
    await d.restartAudiod();
    t.same(await d.audiod.speakerTestReport({}), lastReport, 'the same report');
    const r = await perform(d);
    t.equal(r.status, 'OK', 'the calibration still serves');
    t.equal(r.calibrationTimestamp, lastReport?.calibrationTimestamp);
    await d.restartAudiod();
    t.same(await d.audiod.speakerTestReport({}), r, 'and a test report survives too');
  });
});
