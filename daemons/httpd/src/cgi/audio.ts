import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import type { AudiodContract } from '@belfry/audiod/contract';
import { NEW } from '../ajr.js';
import type { Http, RouteDef } from '../context.js';
import { nextLine, openMedia } from '../media-client.js';
import { parseMultipart } from '../multipart.js';
import { ajrRoute, AjrFailure } from './ajr-cgi.js';
import { sendDownload } from './audio-api.js';
import { formArgs } from './util.js';
import type { FormArgs } from '../form.js';

/** Upload bodies may be this much larger than the clip (multipart headers and boundaries). */
const MULTIPART_SLACK = 64 * 1024;
/** The largest `MediaClip.MaxUploadSize` (50 MB) plus that slack: the route's hard body limit. */
export const CLIP_BODY_LIMIT = 50_000_000 + MULTIPART_SLACK;
/** receive.cgi multipart: G.711 in 512-byte parts (§2.8) */
const PART_BYTES = 512;

const bad = (msg: string, name?: string) => new BelfryError('invalid_argument', msg, name ? { name } : {});

/** `-?digits` within a range, or undefined when absent; anything else is a 400. */
function intArg(args: FormArgs, name: string, min: number, max: number): number | undefined {
  const v = args.get(name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d{1,9}$/.test(v.trim())) throw bad(`${name} must be an integer`, name);
  const n = Number(v.trim());
  if (n < min || n > max) throw bad(`${name} must be from ${min} to ${max}`, name);
  return n;
}

/** The play arguments shared by mediaclip.cgi, playclip.cgi (and the rule action). */
function playArgs(args: FormArgs): Parameters<AudiodContract['play']>[0] {
  const p: Parameters<AudiodContract['play']>[0] = {};
  const clip = intArg(args, 'clip', 0, 9999);
  if (clip !== undefined) p.clip = clip;
  const location = args.get('location');
  if (location) {
    if (location.length > 255) throw bad('location is too long', 'location');
    p.location = location;
  }
  const repeat = intArg(args, 'repeat', -1, 10000);
  if (repeat !== undefined) p.repeat = repeat;
  const volume = intArg(args, 'volume', 0, 1000);
  if (volume !== undefined) p.volume = volume;
  const dev = intArg(args, 'audiodeviceid', 0, 999);
  const out = intArg(args, 'audiooutputid', 0, 999);
  if (dev !== undefined) p.audiodeviceid = dev;
  if (out !== undefined) p.audiooutputid = out;
  const legacy = intArg(args, 'audiooutput', 0, 999);
  if (legacy !== undefined) p.audiooutput = legacy;
  return p;
}

function okText(reply: FastifyReply, line: string): FastifyReply {
  return reply.code(200).type('text/plain').send(`OK\n${line}\n`);
}

/** VAPIX text CGIs answer a client's mistake with 400 and the reason (§2.9); a missing audiod is 503. */
function clipFailure(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof BelfryError) {
    if (err.code === 'unavailable' || err.code === 'timeout') return reply.code(503).type('text/plain').send('503 Service Unavailable\n');
    if (err.code !== 'internal') return reply.code(400).type('text/plain').send(`400 Bad Request\n${err.message}\n`);
    return reply.code(500).type('text/plain').send(`500 Internal Server Error\n${err.message}\n`);
  }
  throw err;
}

function logStream(http: Http, req: FastifyRequest, status: number, t0: number): void {
  http.accessLog.write({ addr: req.socket.remoteAddress ?? '?', user: req.caller?.name ?? '', method: req.method, url: req.url, status, ms: performance.now() - t0 });
}

/** A plain answer on a connection taken over from fastify. */
function rawAnswer(reply: FastifyReply, status: number, text: string, headers: Record<string, string> = {}): void {
  const res = reply.raw;
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const answer = (reply: FastifyReply, status: number, detail?: string) => rawAnswer(reply, status, status === 200 ? '' : `${status} ${STATUS_TEXT[status]}\n${detail ? detail + '\n' : ''}`);

/** The device has one audio device with one output and one input (`0`); the pair must come together. */
function checkDeviceIds(args: FormArgs, dev: string, io: string): void {
  const a = args.get(dev);
  const b = args.get(io);
  if ((a === undefined) !== (b === undefined)) throw bad(`${dev} and ${io} must be given together`);
  if (a !== undefined && (a.trim() !== '0' || b!.trim() !== '0')) throw bad(`no audio device ${a} with ${io.replace('audio', '').replace('id', '')} ${b}`);
}

/** axast faults (§7): HTTP 400 with this JSON. */
function axastFault(err: unknown): { Fault: string; FaultCode: string; FaultSubCode: string; FaultReason: string; FaultMsg: null } {
  const e = err instanceof BelfryError ? err : new BelfryError('internal', 'internal error');
  const f = (Fault: string, FaultCode: string, FaultSubCode: string, FaultReason: string) => ({ Fault, FaultCode, FaultSubCode, FaultReason, FaultMsg: null });
  if (e.target === 'DeviceNotCalibrated') return f('env:Receiver', 'ter:Action', 'axast:DeviceNotCalibrated', 'The Auto Speaker Test cannot be done without prior calibration.');
  if (e.target === 'DisabledInHardware') return f('env:Receiver', 'ter:Action', 'axast:DisabledInHardware', 'The microphone is disabled in hardware.');
  if (e.code === 'unknown_method') return f('env:Receiver', 'ter:ActionNotSupported', '', e.message);
  if (e.code === 'bad_request') return f('env:Sender', 'ter:InvalidArgs', '', e.message);
  if (e.code === 'invalid_argument') return f('env:Sender', 'ter:InvalidArgVal', '', e.message);
  return f('env:Receiver', 'ter:Action', 'ter:Failure', e.message);
}

export function audioRoutes(http: Http, unauthorized: (req: FastifyRequest, reply: FastifyReply) => FastifyReply): RouteDef[] {
  const audiod = http.d.rpc.client<AudiodContract>('audiod');
  const run = http.d.paths.run;
  const caps = http.d.board.capabilities;
  const duplex = async () => (await http.d.params.get('Audio.DuplexMode')) ?? 'full';

  const upload = async (req: FastifyRequest, args: FormArgs): Promise<string> => {
    if (req.method !== 'POST') throw bad('upload needs a POST with multipart/form-data');
    if (args.get('media') !== undefined && args.get('media') !== 'audio') throw bad('media must be audio', 'media');
    const parts = parseMultipart((req.body as Buffer | undefined) ?? Buffer.alloc(0), req.headers['content-type']);
    const file = parts.find((p) => p.filename !== undefined) ?? parts[0];
    if (!file || !file.data.length) throw bad('no file in the upload');
    const filename = (file.filename ?? 'clip').replace(/^.*[\\/]/, '');
    const name = args.get('name') ?? (file.name && file.name !== 'file' ? file.name : filename.replace(/\.[^.]*$/, ''));
    const m = await openMedia(run, { op: 'upload', name, filename, bytes: file.data.length }, 60_000, file.data);
    m.sock.destroy();
    return m.reply.replaced ? `Replaced=${String(m.reply.clip)}` : `Uploaded=${String(m.reply.clip)}`;
  };

  const download = async (reply: FastifyReply, clip: number) => sendDownload(reply, await openMedia(run, { op: 'download', clip }, 10_000));

  const mediaclip = async (req: FastifyRequest, reply: FastifyReply) => {
    const args = formArgs(req);
    try {
      switch (args.get('action')) {
        case 'play': {
          checkDeviceIds(args, 'audiodeviceid', 'audiooutputid');
          const r = await audiod.play(playArgs(args));
          return okText(reply, `playing=${r.clip}`);
        }
        case 'stop':
          await audiod.stop({});
          return okText(reply, 'stopping');
        case 'remove': {
          const clip = intArg(args, 'clip', 0, 9999);
          if (clip === undefined) throw bad('clip is required', 'clip');
          await audiod.removeClip({ clip });
          return okText(reply, `removed=${clip}`);
        }
        case 'update': {
          const clip = intArg(args, 'clip', 0, 9999);
          const name = args.get('name');
          if (clip === undefined) throw bad('clip is required', 'clip');
          if (name === undefined) throw bad('name is required', 'name');
          await audiod.renameClip({ clip, name });
          return okText(reply, `updated=${clip}`);
        }
        case 'download': {
          const clip = intArg(args, 'clip', 0, 9999);
          if (clip === undefined) throw bad('clip is required', 'clip');
          return await download(reply, clip);
        }
        case 'upload':
          return okText(reply, await upload(req, args));
        case undefined:
          throw bad('action is required', 'action');
        default:
          throw bad(`unknown action '${args.get('action')}'`, 'action');
      }
    } catch (err) {
      return clipFailure(reply, err);
    }
  };

  /** refuses an upload by its announced size before reading it */
  const uploadPrecheck = async (req: FastifyRequest, reply: FastifyReply) => {
    const len = Number(req.headers['content-length'] ?? 0);
    const max = Number((await http.d.params.get('MediaClip.MaxUploadSize')) ?? 1.5) * 1e6;
    if (req.method === 'POST' && len > max + MULTIPART_SLACK) {
      reply.header('Connection', 'close');
      return clipFailure(reply, new BelfryError('limit_exceeded', `the file is larger than the upload limit (${(max / 1e6).toFixed(1)} MB)`));
    }
    return undefined;
  };

  const transmit = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const t0 = performance.now();
    const done = (status: number, detail?: string) => {
      answer(reply, status, detail);
      logStream(http, req, status, t0);
    };
    if (req.method !== 'POST') return done(405);
    if ((await duplex()) === 'get' || !caps.audioOut) return done(405, 'the duplex mode does not allow audio to the device');
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const rate = type === 'audio/basic' ? 8000 : type === 'audio/axis-mulaw-128' ? 16000 : undefined;
    if (!rate) return done(415, `supported: audio/basic, audio/axis-mulaw-128`);
    try {
      checkDeviceIds(formArgs(req), 'audiodeviceid', 'audiooutputid');
    } catch (err) {
      return done(400, (err as Error).message);
    }
    let m;
    try {
      m = await openMedia(run, { op: 'transmit', codec: 'mulaw', rate });
    } catch (err) {
      const e = err as BelfryError;
      return done(e.code === 'failed_precondition' || e.code === 'unavailable' || e.code === 'timeout' ? 503 : e.code === 'invalid_argument' ? 400 : 500, e.message);
    }
    const sock = m.sock;
    sock.resume();
    req.raw.pipe(sock);
    // the client stopping early (closing, or a Content-Length of 9999999 never reached) still
    // plays what arrived; audiod answers once it has played
    req.raw.on('close', () => sock.end());
    const line = await nextLine(sock, m.rest);
    if (line?.done) {
      done(200);
      reply.raw.once('finish', () => sock.destroy());
    } else {
      // playback failed: Axis closes the connection without a response
      http.d.log.info({ reason: line?.error ?? 'audiod closed the stream' }, 'transmit ended without playback');
      logStream(http, req, 0, t0);
      sock.destroy();
      req.socket.destroy();
    }
  };

  const receive = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const t0 = performance.now();
    const done = (status: number, detail?: string) => {
      answer(reply, status, detail);
      logStream(http, req, status, t0);
    };
    if (req.method !== 'GET') return done(405);
    if (!caps.audioIn || (await http.d.params.get('Audio.A0.Enabled')) === 'no') return done(404, 'no audio input');
    if ((await duplex()) === 'post') return done(405, 'the duplex mode does not allow audio from the device');
    const args = formArgs(req);
    let rate: 8000 | 16000 = 8000;
    let multipart = (await http.d.params.get('Audio.A0.HTTPMessageType')) === 'multipart';
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
    } catch (err) {
      return done(400, (err as Error).message);
    }
    let m;
    try {
      m = await openMedia(run, { op: 'receive', codec: 'mulaw', rate });
    } catch (err) {
      const e = err as BelfryError;
      return done(e.code === 'invalid_argument' ? 400 : e.code === 'internal' ? 500 : 503, e.message);
    }
    const res = reply.raw;
    const mime = rate === 8000 ? 'audio/basic' : 'audio/axis-mulaw-128';
    res.writeHead(200, { 'Content-Type': multipart ? 'multipart/x-mixed-replace; boundary=myboundary' : mime, 'Cache-Control': 'no-cache', Connection: 'close' });
    logStream(http, req, 200, t0);
    let pending: Buffer = Buffer.alloc(0);
    const write = (b: Buffer) => {
      // a client that does not read loses audio; its backlog never grows past half a second
      if (res.writableLength > rate) return;
      if (!multipart) return void res.write(b);
      pending = pending.length ? Buffer.concat([pending, b]) : b;
      while (pending.length >= PART_BYTES) {
        res.write(`--myboundary\r\nContent-Type: ${mime}\r\nContent-Length: ${PART_BYTES}\r\n\r\n`);
        res.write(pending.subarray(0, PART_BYTES));
        res.write('\r\n');
        pending = pending.subarray(PART_BYTES);
      }
    };
    if (m.rest.length) write(m.rest);
    m.sock.on('data', write);
    m.sock.on('close', () => res.end());
    m.sock.resume();
    req.raw.socket.on('close', () => m.sock.destroy());
  };

  const axast = async (req: FastifyRequest, reply: FastifyReply) => {
    const args = formArgs(req);
    const simple = args.get('format') === 'simple';
    let command: string | undefined;
    try {
      if (simple) command = args.get('action');
      else {
        let body: unknown;
        try {
          body = JSON.parse(((req.body as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8') || 'null');
        } catch {
          throw new BelfryError('bad_request', 'the body is not JSON');
        }
        if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) throw new BelfryError('bad_request', 'expected one {"axast:<Command>":{…}}');
        command = Object.keys(body)[0];
      }
      let out: Record<string, unknown> = {};
      switch (command) {
        case 'axast:CalibrateSpeakerTest':
          await audiod.calibrateSpeakerTest({});
          break;
        case 'axast:PerformSpeakerTest':
          await audiod.performSpeakerTest({});
          break;
        case 'axast:GetSpeakerTestReport': {
          const r = await audiod.speakerTestReport({});
          out = { SpeakerTestReport: { SpeakerTestStatus: r.status, TestTimestamp: r.testTimestamp, CalibrationTimestamp: r.calibrationTimestamp } };
          break;
        }
        case undefined:
          throw new BelfryError('bad_request', 'no command');
        default:
          throw new BelfryError('unknown_method', `${command} is not supported`);
      }
      if (simple) {
        const lines = Object.entries((out.SpeakerTestReport as Record<string, string> | undefined) ?? {}).map(([k, v]) => `SpeakerTestReport_${k}=${v}\n`);
        return reply.code(200).type('text/plain').send(lines.join(''));
      }
      return reply.code(200).type('application/json').send(JSON.stringify(out));
    } catch (err) {
      if (err instanceof BelfryError && (err.code === 'unavailable' || err.code === 'timeout')) throw err;
      const f = axastFault(err);
      if (simple) return reply.code(400).type('text/plain').send(Object.entries(f).map(([k, v]) => `${k}=${v ?? ''}\n`).join(''));
      return reply.code(400).type('application/json').send(JSON.stringify(f));
    }
  };

  const ajrFail = (err: unknown): never => {
    if (err instanceof BelfryError && (err.code === 'invalid_argument' || err.code === 'not_found')) throw new AjrFailure({ code: NEW.invalidValue.code, message: err.message });
    throw err;
  };

  return [
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/mediaclip.cgi',
      access: 'operator',
      handler: mediaclip,
      precheck: uploadPrecheck,
      bodyLimit: CLIP_BODY_LIMIT,
      probe: { method: 'GET', url: '/axis-cgi/mediaclip.cgi?action=stop', needs: 'operator' },
    },
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/playclip.cgi',
      access: 'viewer',
      handler: async (req, reply) => {
        try {
          const args = formArgs(req);
          checkDeviceIds(args, 'audiodeviceid', 'audiooutputid');
          const r = await audiod.play(playArgs(args));
          return okText(reply, `playing=${r.clip}`);
        } catch (err) {
          return clipFailure(reply, err);
        }
      },
      probe: { method: 'GET', url: '/axis-cgi/playclip.cgi?clip=9999', needs: 'viewer' },
    },
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/stopclip.cgi',
      access: 'viewer',
      handler: async (_req, reply) => {
        try {
          await audiod.stop({});
          return okText(reply, 'stopping');
        } catch (err) {
          return clipFailure(reply, err);
        }
      },
      probe: { method: 'GET', url: '/axis-cgi/stopclip.cgi', needs: 'viewer' },
    },
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/audio/transmit.cgi',
      access: 'viewer',
      handler: () => undefined,
      stream: transmit,
      probe: { method: 'POST', url: '/axis-cgi/audio/transmit.cgi', contentType: 'text/plain', body: 'x', needs: 'viewer' },
    },
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/audio/receive.cgi',
      access: 'viewer',
      handler: () => undefined,
      stream: receive,
      probe: { method: 'GET', url: '/axis-cgi/audio/receive.cgi?audiocodec=aac', needs: 'viewer' },
    },
    ajrRoute(http, unauthorized, {
      path: '/axis-cgi/audiodevicecontrol.cgi',
      codes: NEW,
      defaultVersion: '1.0',
      maxMinor: 0,
      methods: {
        getDevicesCapabilities: { needs: 'viewer', run: async () => audiod.getDevicesCapabilities({}) },
        getDevicesSettings: { needs: 'viewer', run: async () => audiod.getDevicesSettings({}) },
        setDevicesSettings: {
          needs: 'operator',
          run: async (r) => {
            const devices = (r.params as { devices?: unknown } | undefined)?.devices;
            if (!Array.isArray(devices)) throw new AjrFailure({ code: NEW.missing.code, message: 'params.devices is required' });
            return audiod.setDevicesSettings({ devices }).catch(ajrFail);
          },
        },
        getSupportedVersions: { needs: 'viewer', run: () => ({ apiVersions: ['1.0'] }) },
      },
      probe: { method: 'POST', url: '/axis-cgi/audiodevicecontrol.cgi', body: '{"apiVersion":"1.0","context":"Axis library","method":"getDevicesSettings"}', contentType: 'application/json', needs: 'viewer' },
    }),
    {
      method: ['GET', 'POST'],
      path: '/vapix/axast',
      access: 'admin',
      handler: axast,
      probe: { method: 'POST', url: '/vapix/axast', body: '{"axast:GetSpeakerTestReport":{}}', contentType: 'application/json', needs: 'admin' },
    },
  ];
}
