import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { callerOf, errorAnswer, sendAnswer } from '@belfry/core/http';
import type { AudioHttp } from './args.js';
import { sendDownload } from './download.js';

function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(body));
}

const fail = (reply: FastifyReply, err: unknown) => sendAnswer(reply, errorAnswer('json-api', err));

// path, query and JSON body are checked against the route's schemas (`AUDIOD_ROUTES`) before a
// handler runs: `id` is a clip number, `volume`/`repeat` integers in range, the body parsed
const idOf = (req: FastifyRequest) => (req.params as { id: number }).id;
const bodyOf = <T>(req: FastifyRequest) => req.body as T;

/**
 * The web UI's audio API (Audio > Audio clips, Speaker test): the VAPIX CGIs' operations in JSON,
 * plus what the UI needs beyond them (measured loudness, per-band details, a "create link" URL).
 * Uploads are the raw file as the body (`upload.ts`). Keyed by route path (see `AUDIOD_ROUTES`).
 */
export function apiHandlers(h: AudioHttp) {
  const a = h.audiod;
  const list = async (_req: FastifyRequest, reply: FastifyReply) => {
    const r = await a.listClips({});
    return json(reply, 200, {
      clips: r.clips.map((c) => ({ id: c.id, name: c.name, location: c.location, format: c.format, mime: c.mime, bytes: c.bytes, durationMs: c.durationMs, rate: c.rate, channels: c.channels, replayGainDb: c.gainDb, peak: c.peak, uploaded: c.uploaded })),
      usedBytes: r.usedBytes,
      quotaBytes: r.quotaBytes,
      maxUploadBytes: r.maxUploadBytes,
    });
  };
  const guarded =
    (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(req, reply);
      } catch (err) {
        return fail(reply, err);
      }
    };
  return {
    // a POST (upload) is taken by `streamUpload` before its body is read
    '/api/v1/clips': guarded(list),
    '/api/v1/clips/stop': guarded(async (_req, reply) => json(reply, 200, await a.stop({}))),
    '/api/v1/clips/:id': guarded(async (req, reply) => {
      if (req.method === 'DELETE') await a.removeClip({ clip: idOf(req) });
      else await a.renameClip({ clip: idOf(req), name: bodyOf<{ name: string }>(req).name });
      return json(reply, 200, {});
    }),
    '/api/v1/clips/:id/play': guarded(async (req, reply) => {
      const r = await a.play({ clip: idOf(req), ...bodyOf<{ volume?: number; repeat?: number }>(req) });
      return json(reply, 200, { playing: r.clip });
    }),
    // user manual: "Create link: a URL that, when used, plays the audio clip on the device"
    '/api/v1/clips/:id/link': guarded(async (req, reply) => {
      const id = idOf(req);
      const { volume = 100, repeat = 0 } = req.query as { volume?: number; repeat?: number };
      if (!(await a.listClips({})).clips.some((c) => c.id === id)) throw new BelfryError('not_found', `no clip ${id}`);
      const path = `/axis-cgi/playclip.cgi?clip=${id}&volume=${volume}&repeat=${repeat}`;
      return json(reply, 200, { path, url: `${callerOf(req).proto}://${req.headers.host ?? '127.0.0.1'}${path}` });
    }),
    '/api/v1/clips/:id/audio': guarded(async (req, reply) => sendDownload(reply, await h.download(idOf(req)))),
    '/api/v1/audio/status': guarded(async (_req, reply) => json(reply, 200, await a.status({}))),
    '/api/v1/speaker-test': guarded(async (_req, reply) => json(reply, 200, await a.speakerTestReport({}))),
    '/api/v1/speaker-test/:action': guarded(async (req, reply) => {
      const action = (req.params as { action: 'calibrate' | 'run' }).action;
      if (action === 'calibrate') await a.calibrateSpeakerTest({});
      else await a.performSpeakerTest({});
      return json(reply, 202, await a.speakerTestReport({}));
    }),
  };
}
