import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import type { AudiodContract } from '@belfry/audiod/contract';
import type { Http, RouteDef } from '../context.js';
import { openMedia } from '../media-client.js';
import { body, fail, json } from './api.js';
import { CLIP_BODY_LIMIT } from './audio.js';

function idOf(req: FastifyRequest): number {
  const v = (req.params as { id: string }).id;
  if (!/^\d{1,4}$/.test(v)) throw new BelfryError('invalid_argument', 'clip id must be a number', { name: 'id' });
  return Number(v);
}

function optInt(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new BelfryError('invalid_argument', `${name} must be an integer from ${min} to ${max}`, { name });
  return n;
}

/**
 * The web UI's audio API (Audio > Audio clips, Speaker test): the same operations as the VAPIX
 * CGIs, in JSON, plus what the UI needs beyond them (the measured loudness, the speaker test's
 * per-band details, a "create link" URL). Uploads are the raw file as the body.
 */
export function audioApiRoutes(http: Http): RouteDef[] {
  const audiod = http.d.rpc.client<AudiodContract>('audiod');
  const run = http.d.paths.run;
  const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
  return [
    {
      method: ['GET'],
      path: '/api/v1/clips',
      access: 'viewer',
      handler: async (_req, reply) => {
        const r = await audiod.listClips({});
        return json(reply, 200, {
          clips: r.clips.map((c) => ({ id: c.id, name: c.name, location: c.location, format: c.format, mime: c.mime, bytes: c.bytes, durationMs: c.durationMs, rate: c.rate, channels: c.channels, replayGainDb: c.gainDb, peak: c.peak, uploaded: c.uploaded })),
          usedBytes: r.usedBytes,
          quotaBytes: r.quotaBytes,
          maxUploadBytes: r.maxUploadBytes,
        });
      },
      probe: { method: 'GET', url: '/api/v1/clips', needs: 'viewer' },
    },
    {
      method: ['POST'],
      path: '/api/v1/clips',
      access: 'operator',
      bodyLimit: CLIP_BODY_LIMIT,
      precheck: async (req, reply) => {
        const max = Number((await http.d.params.get('MediaClip.MaxUploadSize')) ?? 1.5) * 1e6;
        if (Number(req.headers['content-length'] ?? 0) > max) {
          reply.header('Connection', 'close');
          return json(reply, 413, { error: { code: 'limit_exceeded', message: `the file is larger than the upload limit (${(max / 1e6).toFixed(1)} MB)` } });
        }
        return undefined;
      },
      handler: async (req, reply) => {
        try {
          const bytes = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
          const filename = (q(req).filename ?? 'clip').replace(/^.*[\\/]/, '').slice(0, 255);
          const name = q(req).name ?? filename.replace(/\.[^.]*$/, '');
          if (!bytes.length) throw new BelfryError('invalid_argument', 'the body is the clip file; it is empty');
          const m = await openMedia(run, { op: 'upload', name, filename, bytes: bytes.length }, 60_000, bytes);
          m.sock.destroy();
          return json(reply, m.reply.replaced ? 200 : 201, { id: m.reply.clip, replaced: m.reply.replaced });
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'POST', url: '/api/v1/clips?name=probe', body: 'not audio', contentType: 'application/octet-stream', needs: 'operator' },
    },
    {
      method: ['PATCH'],
      path: '/api/v1/clips/:id',
      access: 'operator',
      handler: async (req, reply) => {
        try {
          const b = body(req);
          if (typeof b.name !== 'string') throw new BelfryError('invalid_argument', 'name must be a string', { name: 'name' });
          await audiod.renameClip({ clip: idOf(req), name: b.name });
          return json(reply, 200, {});
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'PATCH', url: '/api/v1/clips/9999', body: '{"name":"x"}', contentType: 'application/json', needs: 'operator' },
    },
    {
      method: ['DELETE'],
      path: '/api/v1/clips/:id',
      access: 'operator',
      handler: async (req, reply) => {
        try {
          await audiod.removeClip({ clip: idOf(req) });
          return json(reply, 200, {});
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'DELETE', url: '/api/v1/clips/9999', needs: 'operator' },
    },
    {
      method: ['POST'],
      path: '/api/v1/clips/:id/play',
      access: 'viewer',
      handler: async (req, reply) => {
        try {
          const b = body(req);
          const r = await audiod.play({ clip: idOf(req), ...definedOnly({ volume: optInt(b.volume, 'volume', 0, 1000), repeat: optInt(b.repeat, 'repeat', -1, 10000) }) });
          return json(reply, 200, { playing: r.clip });
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'POST', url: '/api/v1/clips/9999/play', body: '{}', contentType: 'application/json', needs: 'viewer' },
    },
    {
      method: ['POST'],
      path: '/api/v1/clips/stop',
      access: 'viewer',
      handler: async (_req, reply) => json(reply, 200, await audiod.stop({})),
      probe: { method: 'POST', url: '/api/v1/clips/stop', body: '{}', contentType: 'application/json', needs: 'viewer' },
    },
    {
      // user manual: "Create link: a URL that, when used, plays the audio clip on the device"
      method: ['GET'],
      path: '/api/v1/clips/:id/link',
      access: 'operator',
      handler: async (req, reply) => {
        try {
          const id = idOf(req);
          const volume = optInt(q(req).volume, 'volume', 0, 1000) ?? 100;
          const repeat = optInt(q(req).repeat, 'repeat', -1, 10000) ?? 0;
          if (!(await audiod.listClips({})).clips.some((c) => c.id === id)) throw new BelfryError('not_found', `no clip ${id}`);
          const path = `/axis-cgi/playclip.cgi?clip=${id}&volume=${volume}&repeat=${repeat}`;
          const host = req.headers.host ?? '127.0.0.1';
          return json(reply, 200, { path, url: `${req.protocol}://${host}${path}` });
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'GET', url: '/api/v1/clips/9999/link', needs: 'operator' },
    },
    {
      method: ['GET'],
      path: '/api/v1/clips/:id/audio',
      access: 'operator',
      handler: async (req, reply) => {
        try {
          const m = await openMedia(run, { op: 'download', clip: idOf(req) }, 10_000);
          return await sendDownload(reply, m);
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'GET', url: '/api/v1/clips/9999/audio', needs: 'operator' },
    },
    {
      method: ['GET'],
      path: '/api/v1/audio/status',
      access: 'viewer',
      handler: async (_req, reply) => json(reply, 200, await audiod.status({})),
      probe: { method: 'GET', url: '/api/v1/audio/status', needs: 'viewer' },
    },
    {
      method: ['GET'],
      path: '/api/v1/speaker-test',
      access: 'admin',
      handler: async (_req, reply) => json(reply, 200, await audiod.speakerTestReport({})),
      probe: { method: 'GET', url: '/api/v1/speaker-test', needs: 'admin' },
    },
    {
      method: ['POST'],
      path: '/api/v1/speaker-test/:action',
      access: 'admin',
      handler: async (req, reply) => {
        try {
          const action = (req.params as { action: string }).action;
          if (action === 'calibrate') await audiod.calibrateSpeakerTest({});
          else if (action === 'run') await audiod.performSpeakerTest({});
          else throw new BelfryError('not_found', 'use /api/v1/speaker-test/calibrate or /api/v1/speaker-test/run');
          return json(reply, 202, await audiod.speakerTestReport({}));
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'POST', url: '/api/v1/speaker-test/nothing', body: '{}', contentType: 'application/json', needs: 'admin' },
    },
  ];
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads a download off the media socket and sends it. */
export async function sendDownload(reply: FastifyReply, m: Awaited<ReturnType<typeof openMedia>>): Promise<FastifyReply> {
  const size = Number(m.reply.bytes);
  const chunks: Buffer[] = [m.rest];
  let got = m.rest.length;
  await new Promise<void>((resolve, reject) => {
    if (got >= size) return resolve();
    m.sock.on('data', (b: Buffer) => {
      chunks.push(b);
      got += b.length;
      if (got >= size) resolve();
    });
    m.sock.on('close', () => (got >= size ? resolve() : reject(new BelfryError('internal', 'download cut short'))));
    m.sock.resume();
  });
  m.sock.destroy();
  return reply
    .code(200)
    .type(String(m.reply.mime))
    .header('Content-Disposition', `attachment; filename="${String(m.reply.filename).replace(/["\\\r\n]/g, '')}"`)
    .send(Buffer.concat(chunks).subarray(0, size));
}
