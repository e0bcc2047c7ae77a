import t from 'tap';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sim } from '../src/index.js';

const RATE = sim.SIM_AUDIO_RATE;
const FRAME = sim.SIM_FRAME;
const TONE_AMP = Math.pow(10, -12 / 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const db = (v: number) => 20 * Math.log10(v);

async function card(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-card-'));
  const drivers = new sim.SimDrivers();
  const c = new sim.SimSoundCard(drivers, join(dir, 'run', 'sim-audio.sock'));
  await c.listen();
  t.teardown(async () => {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { drivers, card: c, path: c.socketPath };
}

interface Client {
  sock: Socket;
  bytes(): Buffer;
  closed: Promise<void>;
}
async function connect(path: string, hello: string | Buffer): Promise<Client> {
  const sock = createConnection(path);
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.write(hello);
  return { sock, bytes: () => Buffer.concat(chunks), closed };
}
const role = (path: string, r: string) => connect(path, JSON.stringify({ role: r }) + '\n');

function samples(b: Buffer): Int16Array {
  const even = new Uint8Array(b.subarray(0, b.length & ~1));
  return new Int16Array(even.buffer);
}
function tone(f: number, n: number, amp = TONE_AMP): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.round(amp * 32767 * Math.sin((2 * Math.PI * f * i) / RATE));
  return a;
}
const bytesOf = (s: Int16Array) => Buffer.from(s.buffer, s.byteOffset, s.byteLength);

/** amplitude (full scale 1) of f in x */
function goertzel(x: Int16Array, f: number): number {
  const c = 2 * Math.cos((2 * Math.PI * f) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! / 32768 + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2)) * 2) / x.length;
}

/** median 1 kHz amplitude over the 20 ms frames where the tone is clearly present (robust to a late timer) */
function toneLevel(x: Int16Array, f = 1000): { frames: number; amp: number; other: number } {
  const amps: number[] = [];
  const others: number[] = [];
  for (let i = 0; i + FRAME <= x.length; i += FRAME) {
    const frame = x.subarray(i, i + FRAME);
    const a = goertzel(frame, f);
    if (a > 0.02) {
      amps.push(a);
      others.push(goertzel(frame, f * 1.5));
    }
  }
  amps.sort((a, b) => a - b);
  others.sort((a, b) => a - b);
  return { frames: amps.length, amp: amps[amps.length >> 1] ?? 0, other: others[others.length >> 1] ?? 0 };
}

/** writes roughly in real time, 100 ms at a time, one chunk ahead */
async function play(sock: Socket, s: Int16Array, chunkMs = 100): Promise<void> {
  const n = (RATE * chunkMs) / 1000;
  sock.write(bytesOf(s.subarray(0, n)));
  for (let i = n; i < s.length; i += n) {
    sock.write(bytesOf(s.subarray(i, i + n)));
    await sleep(chunkMs);
  }
}

t.test('speaker → monitor and through the room → mic', async (t) => {
  const { path } = await card(t);
  t.equal(statSync(path).mode & 0o777, 0o660, 'socket mode 0660');
  const monitor = await role(path, 'monitor');
  const mic = await role(path, 'mic');
  const speaker = await role(path, 'speaker');
  await play(speaker.sock, tone(1000, RATE));
  await sleep(300);
  const mon = toneLevel(samples(monitor.bytes()));
  t.ok(mon.frames >= 40, `monitor: tone in ${mon.frames} frames`);
  t.ok(Math.abs(db(mon.amp / TONE_AMP)) < 0.5, `monitor: 1 kHz at ${db(mon.amp).toFixed(2)} dBFS`);
  t.ok(mon.other < mon.amp / 100, 'monitor: 1 kHz dominates');
  const heard = toneLevel(samples(mic.bytes()));
  t.ok(heard.frames >= 40, `mic: tone in ${heard.frames} frames`);
  t.ok(db(heard.amp) > -23 && db(heard.amp) < -13, `mic: 1 kHz at ${db(heard.amp).toFixed(2)} dBFS (≈ −18 through the room)`);
  t.equal(samples(mic.bytes()).length % FRAME, 0, 'whole frames');
});

t.test('mic switch off ⇒ digital zeros', async (t) => {
  const { path, drivers } = await card(t);
  const on = await role(path, 'mic');
  await sleep(200);
  t.ok(samples(on.bytes()).some((v) => v !== 0), 'switch on: ambient noise is heard');
  on.sock.destroy();
  drivers.setSwitch('mic', false);
  const mic = await role(path, 'mic');
  const speaker = await role(path, 'speaker');
  await play(speaker.sock, tone(1000, RATE / 2));
  await sleep(100);
  const got = samples(mic.bytes());
  t.ok(got.length >= 10 * FRAME, `mic frames keep coming (${got.length / FRAME})`);
  t.ok(got.every((v) => v === 0), 'all zero');
});

t.test('bad hellos get an error line; the card keeps serving', async (t) => {
  const { path } = await card(t);
  const monitor = await role(path, 'monitor');
  const bad: [string | Buffer, RegExp][] = [
    ['not json\n', /JSON/],
    ['{"role":"drum"}\n', /role/],
    ['[1]\n', /role/],
    ['{}\n', /role/],
    [Buffer.alloc(2000, 0x61), /hello/],
  ];
  for (const [hello, msg] of bad) {
    const c = await connect(path, hello);
    await c.closed;
    const text = c.bytes().toString('utf8');
    t.match(text, /^\{"error":".*"\}\n$/, `one error line for ${String(hello).slice(0, 20)}`);
    t.match((JSON.parse(text) as { error: string }).error, msg);
  }
  const before = monitor.bytes().length;
  await sleep(100);
  t.ok(monitor.bytes().length > before, 'monitor still served');
  const speaker = await role(path, 'speaker');
  await play(speaker.sock, tone(1000, RATE / 2));
  await sleep(100);
  t.ok(toneLevel(samples(monitor.bytes())).frames >= 15, 'new speaker still heard');
});

t.test('underrun is silence; odd chunks; mixing; queue limit', async (t) => {
  const { path } = await card(t);
  const monitor = await role(path, 'monitor');
  const speaker = await role(path, 'speaker');
  // No zero samples, so the played ones can be picked out and compared exactly.
  const sig = new Int16Array(RATE / 10);
  for (let i = 0; i < sig.length; i++) sig[i] = 4000 + Math.round(3000 * Math.sin(i / 7));
  const b = bytesOf(sig);
  for (let i = 0; i < b.length; i += 333) speaker.sock.write(b.subarray(i, i + 333));
  await sleep(400);
  const got = samples(monitor.bytes());
  const played = got.filter((v) => v !== 0);
  t.same(Array.from(played), Array.from(sig), 'samples split across odd chunks arrive intact');
  t.ok(got.subarray(got.length - 5 * FRAME).every((v) => v === 0), 'silence after the queue runs dry');

  const other = await role(path, 'speaker');
  const loud = new Int16Array(RATE / 10).fill(20000);
  const mark = samples(monitor.bytes()).length;
  speaker.sock.write(bytesOf(loud));
  other.sock.write(bytesOf(loud));
  await sleep(300);
  const mixed = samples(monitor.bytes()).subarray(mark);
  t.ok(mixed.includes(32767) && !mixed.some((v) => v > 20000 && v < 32767), 'two speakers sum and clamp');

  const burst = new Int16Array(2 * RATE);
  for (let i = 0; i < burst.length; i++) burst[i] = (i % 30000) + 1;
  const mark2 = samples(monitor.bytes()).length;
  speaker.sock.write(bytesOf(burst));
  await sleep(900);
  const kept = Array.from(samples(monitor.bytes()).subarray(mark2)).filter((v) => v !== 0);
  t.ok(kept.length <= RATE / 2 + 10 * FRAME, `at most ~500 ms kept (${kept.length} samples)`);
  t.equal(kept[kept.length - 1], burst[burst.length - 1], 'the newest samples are the ones kept');
});

t.test('bench WAV captures', async (t) => {
  const { path, drivers, card: c } = await card(t);
  const bench = new sim.Bench(drivers, c);
  const url = await bench.listen(0);
  t.teardown(() => bench.close());
  const speaker = await role(path, 'speaker');
  await play(speaker.sock, tone(1000, RATE));
  await sleep(200);
  for (const which of ['speaker', 'microphone']) {
    const res = await fetch(`${url}/bench/audio/${which}?ms=1000`);
    t.equal(res.status, 200);
    t.equal(res.headers.get('content-type'), 'audio/wav');
    const wav = Buffer.from(await res.arrayBuffer());
    t.equal(wav.toString('latin1', 0, 4), 'RIFF');
    t.equal(wav.readUInt32LE(4), wav.length - 8);
    t.equal(wav.toString('latin1', 8, 16), 'WAVEfmt ');
    t.same([wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)], [1, 1, RATE, 16], 'PCM mono 16 kHz 16-bit');
    t.equal(wav.toString('latin1', 36, 40), 'data');
    t.equal(wav.readUInt32LE(40), 2 * RATE, '1 s of samples');
    const lvl = toneLevel(samples(wav.subarray(44)));
    t.ok(lvl.frames >= 30, `${which}: the tone is in the capture (${lvl.frames} frames)`);
  }
  const short = await fetch(`${url}/bench/audio/speaker?ms=100`);
  t.equal(Buffer.from(await short.arrayBuffer()).readUInt32LE(40), (2 * RATE) / 10, '100 ms');
  const dflt = await fetch(`${url}/bench/audio/speaker`);
  t.equal(Buffer.from(await dflt.arrayBuffer()).readUInt32LE(40), 2 * RATE, 'default 1000 ms');
  const long = await fetch(`${url}/bench/audio/speaker?ms=30000`);
  t.ok(Buffer.from(await long.arrayBuffer()).readUInt32LE(40) < 2 * RATE * 5, 'no more than the card has recorded');
  for (const q of ['ms=0', 'ms=30001', 'ms=abc', 'ms=', 'ms=1.5']) {
    const r = await fetch(`${url}/bench/audio/microphone?${q}`);
    t.equal(r.status, 400, q);
    t.equal(((await r.json()) as { error: { code: string } }).error.code, 'invalid_argument');
  }
  const post = await fetch(`${url}/bench/audio/speaker`, { method: 'POST', body: '{}' });
  t.equal(post.status, 405);
  await post.arrayBuffer();
  const bare = new sim.Bench(drivers);
  const bareUrl = await bare.listen(0);
  t.teardown(() => bare.close());
  const none = await fetch(`${bareUrl}/bench/audio/speaker`);
  t.equal(none.status, 404, 'no card, no audio');
  await none.arrayBuffer();
});

t.test('close stops the clock and removes the socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-card-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'sim-audio.sock');
  // A socket file left behind by a crash must not stop the next start.
  writeFileSync(p, '');
  const c = new sim.SimSoundCard(new sim.SimDrivers(), p);
  await c.listen();
  const mic = await role(p, 'mic');
  await sleep(100);
  await c.close();
  await mic.closed;
  const frames = c.framesPlayed;
  await sleep(100);
  t.equal(c.framesPlayed, frames, 'no frames after close');
  t.notOk(existsSync(p), 'socket file removed');
});

t.test('reader periods: whole periods per write, bad periods refused', async (t) => {
  const { path } = await card(t);
  const sizes: number[] = [];
  const slow = await connect(path, JSON.stringify({ role: 'mic', periodMs: 200 }) + '\n');
  slow.sock.on('data', (c: Buffer) => sizes.push(c.length));
  await sleep(700);
  t.ok(sizes.length >= 2, `${sizes.length} deliveries in 700 ms`);
  t.ok(
    sizes.every((n) => n % (10 * FRAME * 2) === 0),
    `each delivery is whole 200 ms periods (${sizes.join(', ')} bytes)`,
  );
  for (const [hello, msg] of [
    [{ role: 'mic', periodMs: 30 }, /periodMs/],
    [{ role: 'mic', periodMs: 0 }, /periodMs/],
    [{ role: 'monitor', periodMs: 1020 }, /periodMs/],
    [{ role: 'mic', periodMs: '20' }, /periodMs/],
    [{ role: 'speaker', periodMs: 20 }, /readers/],
  ] as const) {
    const c = await connect(path, JSON.stringify(hello) + '\n');
    await c.closed;
    t.match((JSON.parse(c.bytes().toString('utf8')) as { error: string }).error, msg, JSON.stringify(hello));
  }
  const edge = await connect(path, JSON.stringify({ role: 'monitor', periodMs: 1000 }) + '\n');
  await sleep(1300);
  t.equal(samples(edge.bytes()).length, RATE, 'periodMs 1000 (the limit): one second per write');
});

t.test('a reader changes its period with a {"periodMs"} line; a bad line gets an error and closes it', async (t) => {
  const { path, card: c } = await card(t);
  const sizes: number[] = [];
  const mic = await connect(path, JSON.stringify({ role: 'mic', periodMs: 1000 }) + '\n');
  mic.sock.on('data', (b: Buffer) => sizes.push(b.length));
  await sleep(100);
  t.same(c.readerPeriodsMs('mic'), [1000]);
  mic.sock.write(JSON.stringify({ periodMs: 20 }) + '\n');
  await sleep(300);
  t.same(c.readerPeriodsMs('mic'), [20], 'the limit: 20 ms');
  t.ok(sizes.length >= 5, `${sizes.length} deliveries in 300 ms after the change`);
  // a stream socket may join two writes into one read on a loaded machine: what shows the 20 ms
  // period is that each read holds whole frames, a few of them, not a second's worth
  t.ok(sizes.slice(1).every((n) => n % (FRAME * 2) === 0 && n <= FRAME * 2 * 5), `whole frames, a few per read after what was pending (${sizes.slice(0, 6).join(', ')}…)`);
  // in two writes, a line split across them
  mic.sock.write('{"period');
  await sleep(20);
  mic.sock.write('Ms": 1000}\n');
  await sleep(100);
  t.same(c.readerPeriodsMs('mic'), [1000], 'the other limit: 1000 ms');
  sizes.length = 0;
  await sleep(1300);
  t.ok(sizes.length >= 1 && sizes.every((n) => n % (RATE * 2) === 0), `whole seconds per write again (${sizes.join(', ')} bytes)`);
  let got = 0;
  for (const [line, msg] of [
    [{ periodMs: 1020 }, /periodMs/],
    [{ periodMs: 30 }, /periodMs/],
    [{ periodMs: 20, role: 'mic' }, /only send/],
    ['not json', /JSON/],
  ] as const) {
    const r = await connect(path, JSON.stringify({ role: 'monitor', periodMs: 200 }) + '\n');
    await sleep(50);
    r.sock.write((typeof line === 'string' ? line : JSON.stringify(line)) + '\n');
    await r.closed;
    const text = r.bytes().toString('latin1');
    const err = text.slice(text.lastIndexOf('{"error"'));
    t.match((JSON.parse(err) as { error: string }).error, msg, JSON.stringify(line));
    got++;
  }
  t.equal(got, 4);
  t.same(c.readerPeriodsMs('monitor'), [], 'refused readers are gone');
  t.same(c.readerPeriodsMs('mic'), [1000], 'the good reader keeps its period');
  const long = await connect(path, JSON.stringify({ role: 'monitor' }) + '\n');
  long.sock.write('x'.repeat(1024));
  await long.closed;
  t.match(long.bytes().toString('latin1'), /"error":"no line within 1024 bytes"/, 'a line longer than the hello limit');
});

t.test('a slow reader does not slow the speaker; the card stops when nobody is attached', async (t) => {
  const { path, card: c } = await card(t);
  t.notOk(c.running, 'no client: the clock is stopped');
  const mic = await connect(path, JSON.stringify({ role: 'mic', periodMs: 1000 }) + '\n');
  const speaker = await role(path, 'speaker');
  await sleep(100);
  t.ok(c.running, 'running with clients');
  speaker.sock.write(bytesOf(tone(1000, RATE / 10)));
  await sleep(250);
  t.ok(toneLevel(c.speakerSamples(400)).frames >= 4, 'the whole tone played within 250 ms, on 20 ms frames');
  await sleep(1000);
  t.ok(toneLevel(samples(mic.bytes())).frames >= 4, 'and the slow reader heard it through the room');
  speaker.sock.destroy();
  mic.sock.destroy();
  await sleep(100);
  t.notOk(c.running, 'stopped again');
  const frames = c.framesPlayed;
  await sleep(200);
  t.equal(c.framesPlayed, frames, 'no frames while stopped');
  const again = await role(path, 'monitor');
  await sleep(200);
  t.ok(c.framesPlayed > frames && samples(again.bytes()).length > 0, 'a new client starts it');
});

t.test('a still room: the microphone hears the ambient noise at its level', async (t) => {
  const { path, drivers } = await card(t);
  drivers.setAcoustic({ ...drivers.acoustic, noiseDb: -40 });
  const mic = await connect(path, JSON.stringify({ role: 'mic', periodMs: 500 }) + '\n');
  await sleep(1600);
  const s = samples(mic.bytes());
  t.ok(s.length >= RATE, `${s.length} samples`);
  let acc = 0;
  for (const v of s) acc += (v / 32768) ** 2;
  const level = db(Math.sqrt(acc / s.length));
  t.ok(Math.abs(level + 40) <= 1.5, `ambient at ${level.toFixed(2)} dBFS`);
});
