import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sim, type BoardProfile } from '@belfry/board';
import { createLogger } from '@belfry/core';
import { MIC_CALM_PERIOD_MS, MIC_IDLE_PERIOD_MS, openBoardAudio } from '../src/board-audio.js';
import { createEngine } from '../src/engine/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PERIOD_SAMPLES = (16000 * MIC_IDLE_PERIOD_MS) / 1000;

t.test('level detection reads long periods; a realtime listener gets 20 ms frames only while it listens', async (t) => {
  const run = mkdtempSync(join(tmpdir(), 'belfry-board-audio-'));
  const card = new sim.SimSoundCard(new sim.SimDrivers(), join(run, 'sim-audio.sock'));
  await card.listen();
  const board = { capabilities: sim.SIM_CAPABILITIES } as BoardProfile;
  const audio = openBoardAudio(board, createEngine('launch'), run, createLogger('audiod', 'silent'));
  t.teardown(async () => {
    await audio.close();
    await card.close();
    rmSync(run, { recursive: true, force: true });
  });
  const slow: number[] = [];
  const fast: number[] = [];
  audio.onMic((s) => slow.push(s.length));
  await sleep(1200);
  t.ok(slow.length >= 2, `${slow.length} deliveries in 1.2 s`);
  t.ok(slow.every((n) => n % PERIOD_SAMPLES === 0), `whole ${MIC_IDLE_PERIOD_MS} ms periods (${slow.join(', ')} samples)`);
  const off = audio.onMic((s) => fast.push(s.length), true);
  await sleep(400);
  t.ok(fast.length >= 5, `realtime: ${fast.length} deliveries in 400 ms`);
  t.ok(fast.every((n) => n % 320 === 0) && fast.some((n) => n === 320), `realtime: 20 ms frames (${fast.slice(0, 8).join(', ')}…)`);
  off();
  await sleep(100);
  const after = fast.length;
  const slowBefore = slow.length;
  await sleep(600);
  t.equal(fast.length, after, 'nothing for a listener that left');
  t.ok(slow.length > slowBefore, 'level detection keeps its periods');
});

t.test('setMicPeriod: the card delivers level detection its new period, also after the card restarts', async (t) => {
  const run = mkdtempSync(join(tmpdir(), 'belfry-board-audio-'));
  const path = join(run, 'sim-audio.sock');
  let card = new sim.SimSoundCard(new sim.SimDrivers(), path);
  await card.listen();
  const board = { capabilities: sim.SIM_CAPABILITIES } as BoardProfile;
  const audio = openBoardAudio(board, createEngine('launch'), run, createLogger('audiod', 'silent'));
  t.teardown(async () => {
    await audio.close();
    await card.close();
    rmSync(run, { recursive: true, force: true });
  });
  const sizes: number[] = [];
  audio.onMic((s) => sizes.push(s.length));
  await sleep(300);
  t.same(card.readerPeriodsMs('mic'), [MIC_IDLE_PERIOD_MS]);
  audio.setMicPeriod(MIC_CALM_PERIOD_MS);
  await sleep(100);
  t.same(card.readerPeriodsMs('mic'), [MIC_CALM_PERIOD_MS], 'told to the card at once');
  sizes.length = 0;
  await sleep(2200);
  t.ok(sizes.length >= 1 && sizes.every((n) => n % 16000 === 0), `whole seconds (${sizes.join(', ')} samples)`);
  await card.close();
  card = new sim.SimSoundCard(new sim.SimDrivers(), path);
  await card.listen();
  await sleep(800);
  t.same(card.readerPeriodsMs('mic'), [MIC_CALM_PERIOD_MS], 'the hello after a reconnect carries it');
  audio.setMicPeriod(MIC_IDLE_PERIOD_MS);
  await sleep(100);
  t.same(card.readerPeriodsMs('mic'), [MIC_IDLE_PERIOD_MS], 'and back');
});
