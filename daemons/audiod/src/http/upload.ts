import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { RANK, callerOf, errorAnswer, frontDoorAnswer, parseForm, pastDeadline, sendAnswer } from '@belfry/core/http';
import { bad, type AudioHttp } from './args.js';
import { receiveMultipart, receiveRaw, type Received } from './upload-stream.js';

/** Upload bodies may be this much larger than the clip (multipart headers and boundaries). */
export const MULTIPART_SLACK = 64 * 1024;

type Kind = 'multipart' | 'raw';
const FORMAT = { multipart: 'vapix-text', raw: 'json-api' } as const;

/** The clip's name and file name: `name` argument, else the part's name (not `file`), else the file name. */
function names(kind: Kind, query: (k: string) => string | undefined, got: Received): { name: string; filename: string } {
  const filename = (got.filename ?? query('filename') ?? 'clip').replace(/^.*[\\/]/, '').slice(0, 255);
  const byPart = kind === 'multipart' && got.partName && got.partName !== 'file' ? got.partName : undefined;
  return { name: query('name') ?? got.fields.name ?? byPart ?? filename.replace(/\.[^.]*$/, ''), filename };
}

function answer(kind: Kind, reply: FastifyReply, r: { clip: number; replaced: boolean }): FastifyReply {
  if (kind === 'multipart') return reply.code(200).type('text/plain').send(`OK\n${r.replaced ? 'Replaced' : 'Uploaded'}=${r.clip}\n`);
  return reply.code(r.replaced ? 200 : 201).type('application/json').send(JSON.stringify({ id: r.clip, replaced: r.replaced }));
}

/**
 * The upload of mediaclip.cgi (multipart) or of `/api/v1/clips` (the raw file), run before core
 * reads the body so it is never held in memory: an announced size over `MediaClip.MaxUploadSize`
 * (plus the multipart slack) is refused before any byte is read, otherwise the body streams to a
 * temporary file and is refused the moment it passes the limit; then the store probes and
 * measures the file. Requests that are not uploads fall through to the route's handler.
 */
export function streamUpload(h: AudioHttp, kind: Kind) {
  const format = FORMAT[kind];
  const slack = kind === 'multipart' ? MULTIPART_SLACK : 0;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return undefined;
    const query = parseForm(req.raw.url ?? '', undefined);
    if (kind === 'multipart' && query.get('action') !== 'upload') return undefined;
    const refuse = (err: unknown) => {
      // the rest of the body is not read: this connection cannot carry another request
      if (!req.raw.complete) reply.header('Connection', 'close');
      return sendAnswer(reply, errorAnswer(format, err));
    };
    if (pastDeadline(req)) return sendAnswer(reply, frontDoorAnswer(format, 503));
    if (kind === 'raw') {
      const who = callerOf(req);
      if (RANK[who.role] < RANK.operator) return sendAnswer(reply, frontDoorAnswer(format, who.via === 'anonymous' ? 401 : 403));
    }
    const max = await h.maxUploadBytes();
    if (Number(req.headers['content-length'] ?? 0) > max + slack) return refuse(new BelfryError('too_large', `the file is larger than the upload limit (${(max / 1e6).toFixed(1)} MB)`));
    try {
      if (kind === 'multipart' && query.get('media') !== undefined && query.get('media') !== 'audio') throw bad('media must be audio', 'media');
    } catch (err) {
      return refuse(err);
    }
    const tmp = h.incoming();
    let got: Received;
    try {
      got = kind === 'multipart' ? await receiveMultipart(req.raw, tmp.path, max, slack) : await receiveRaw(req.raw, tmp.path, max);
      if (!got.bytes) throw bad(kind === 'multipart' ? 'the file is empty' : 'the body is the clip file; it is empty');
    } catch (err) {
      tmp.discard();
      return refuse(err);
    }
    try {
      const { name, filename } = names(kind, (k) => query.get(k), got);
      return answer(kind, reply, await h.upload(name, filename, tmp.path));
    } catch (err) {
      tmp.discard(); // the store removes it already; not if it was never reached
      return refuse(err);
    }
  };
}
