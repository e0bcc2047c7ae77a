import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { sendRaw, vapixText } from '@belfry/core/http';
import { StreamSource, type Mixer } from '../mixer.js';
import { Downsample2x, Upsample2x, mulawDecode, mulawEncode, parseWavPrefix } from '../pcm.js';
import { bad, checkDeviceIds, formArgs, type AudioHttp } from './args.js';

/** receive.cgi multipart: G.711 in 512-byte parts (§2.8) */
const PART_BYTES = 512;
/** How much of a transmit is read to find a WAV header before it is taken as raw µ-law. */
const SNIFF_BYTES = 8192;

export interface LiveDeps {
  mixer: Mixer;
  jitterMs(): number;
  /** microphone frames after input gain and mute */
  onInput(fn: (s: Int16Array) => void): () => void;
  micOn(): boolean;
  maxListeners(): number;
}

const answer = (reply: FastifyReply, status: number, detail?: string, headers: Record<string, string> = {}) => sendRaw(reply, status === 200 ? { status, type: 'text/plain', body: '' } : vapixText(status, detail), headers);

/** Where a failure to start a stream leads: busy or missing is 503, a bad request 400. */
function startFailure(err: unknown): number {
  const code = err instanceof BelfryError ? err.code : 'internal';
  if (code === 'invalid_argument' || code === 'bad_request') return 400;
  if (code === 'internal') return 500;
  return 503;
}

/**
 * audio/transmit.cgi: µ-law from the client straight into the mixer, with backpressure (a client
 * that sends faster than it plays is paused). 200 with an empty body only after playback; a
 * transmit preempted or failing closes the connection without an answer, as Axis devices do.
 */
export async function transmit(req: FastifyRequest, reply: FastifyReply, h: AudioHttp): Promise<void> {
  if (req.method !== 'POST') return answer(reply, 405, undefined, { Allow: 'POST' });
  if ((await h.param('Audio.DuplexMode')) === 'get' || !h.caps.audioOut) return answer(reply, 405, 'the duplex mode does not allow audio to the device');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  let rate = type === 'audio/basic' ? 8000 : type === 'audio/axis-mulaw-128' ? 16000 : 0;
  if (!rate) return answer(reply, 415, 'supported: audio/basic, audio/axis-mulaw-128');
  try {
    checkDeviceIds(formArgs(req), 'audiodeviceid', 'audiooutputid');
    h.live.mixer.check('transmit');
  } catch (err) {
    return answer(reply, startFailure(err), (err as Error).message);
  }
  const body = req.raw;
  const { mixer } = h.live;
  const src = new StreamSource('transmit', h.live.jitterMs());
  let up = rate === 8000 ? new Upsample2x() : undefined;
  let sniff: Buffer | undefined = Buffer.alloc(0);
  let over = false;
  src.onPressure = (pause) => (pause ? body.pause() : body.resume());
  src.onEnded = (reason, detail) => {
    if (over) return;
    over = true;
    if (reason === 'done') return answer(reply, 200);
    h.log.info({ reason: detail ?? reason }, 'transmit ended without playback');
    reply.raw.destroy();
  };
  const feed = (b: Buffer) => {
    if (over) return;
    if (sniff) {
      // a leading RIFF/WAV header (ffmpeg -f wav) is skipped; its rate is used when it is µ-law
      sniff = Buffer.concat([sniff, b]);
      const w = parseWavPrefix(sniff);
      if (w === null && sniff.length < SNIFF_BYTES) return;
      b = sniff;
      sniff = undefined;
      if (w) {
        if (w.formatTag !== 7 || w.channels !== 1 || (w.rate !== 8000 && w.rate !== 16000)) {
          // the client's mistake, not a playback failure: say what was wrong
          over = true;
          mixer.stop((s) => s === src, 'error');
          body.resume();
          return answer(reply, 400, `transmit takes mono µ-law at 8000 or 16000 Hz; the WAV header says format ${w.formatTag}, ${w.channels} channel(s), ${w.rate} Hz`, { Connection: 'close' });
        }
        rate = w.rate;
        up = rate === 8000 ? new Upsample2x() : undefined;
        b = b.subarray(w.headerBytes);
      }
    }
    if (!b.length) return;
    const pcm = mulawDecode(b);
    src.push(up ? up.push(pcm) : pcm);
  };
  mixer.play(src);
  body.on('data', feed);
  body.on('end', () => {
    if (sniff?.length) {
      const b = sniff;
      sniff = undefined;
      if (parseWavPrefix(b) === undefined) feed(b);
    }
    src.end();
  });
  // the front door gone (httpd stopped, or cut the connection): stop playing
  body.on('close', () => {
    if (!body.complete && !over) {
      over = true;
      mixer.stop((s) => s === src, 'stopped');
    }
  });
}

/**
 * audio/receive.cgi: G.711 µ-law 8 or 16 kHz from the microphone, singlepart or
 * multipart/x-mixed-replace. A listener that does not read loses audio: its backlog never grows
 * past half a second.
 */
export function receiveRoute(h: AudioHttp): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  let listeners = 0;
  return async (req, reply) => {
    if (req.method !== 'GET') return answer(reply, 405, undefined, { Allow: 'GET' });
    if (!h.caps.audioIn || (await h.param('Audio.A0.Enabled')) === 'no') return answer(reply, 404, 'no audio input');
    if ((await h.param('Audio.DuplexMode')) === 'post') return answer(reply, 405, 'the duplex mode does not allow audio from the device');
    const args = formArgs(req);
    let rate: 8000 | 16000 = 8000;
    let multipart = (await h.param('Audio.A0.HTTPMessageType')) === 'multipart';
    try {
      checkDeviceIds(args, 'audiodeviceid', 'audioinputid');
      const codec = args.get('audiocodec') ?? 'g711';
      if (codec !== 'g711') throw bad(`audiocodec ${codec} is not supported (g711)`);
      const sr = args.get('audiosamplerate');
      if (sr !== undefined) {
        if (sr !== '8000' && sr !== '16000') throw bad('audiosamplerate must be 8000 or 16000 for g711');
        rate = Number(sr) as 8000 | 16000;
      }
      const ht = args.get('httptype');
      if (ht !== undefined) {
        if (ht !== 'singlepart' && ht !== 'multipart') throw bad('httptype must be singlepart or multipart');
        multipart = ht === 'multipart';
      }
      for (const k of ['camera', 'audiochannel']) if (args.get(k) !== undefined && args.get(k) !== '1') throw bad(`no ${k} ${args.get(k)}`);
      if (!h.live.micOn()) throw new BelfryError('unavailable', 'the microphone is switched off');
      if (listeners >= h.live.maxListeners()) throw new BelfryError('limit_exceeded', `at most ${h.live.maxListeners()} listeners`);
    } catch (err) {
      return answer(reply, startFailure(err), (err as Error).message);
    }
    listeners++;
    const res = reply.raw;
    const mime = rate === 8000 ? 'audio/basic' : 'audio/axis-mulaw-128';
    res.writeHead(200, { 'Content-Type': multipart ? 'multipart/x-mixed-replace; boundary=myboundary' : mime, 'Cache-Control': 'no-cache', Connection: 'close' });
    const down = rate === 8000 ? new Downsample2x() : undefined;
    let pending: Buffer = Buffer.alloc(0);
    const off = h.live.onInput((s) => {
      if (res.writableLength > rate) return;
      const b = mulawEncode(down ? down.push(s) : s);
      if (!multipart) return void res.write(b);
      pending = pending.length ? Buffer.concat([pending, b]) : b;
      while (pending.length >= PART_BYTES) {
        res.write(`--myboundary\r\nContent-Type: ${mime}\r\nContent-Length: ${PART_BYTES}\r\n\r\n`);
        res.write(pending.subarray(0, PART_BYTES));
        res.write('\r\n');
        pending = pending.subarray(PART_BYTES);
      }
    });
    res.once('close', () => {
      off();
      listeners--;
    });
  };
}
