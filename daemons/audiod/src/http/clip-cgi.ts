import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { errorAnswer, sendAnswer } from '@belfry/core/http';
import type { FormArgs } from '@belfry/core/http';
import { bad, checkDeviceIds, formArgs, intArg, playArgs, type AudioHttp } from './args.js';
import { parseMultipart } from './multipart.js';
import { sendDownload } from './download.js';

/** Upload bodies may be this much larger than the clip (multipart headers and boundaries). */
export const MULTIPART_SLACK = 64 * 1024;

function okText(reply: FastifyReply, line: string): FastifyReply {
  return reply.code(200).type('text/plain').send(`OK\n${line}\n`);
}

/** VAPIX text CGIs answer a client's mistake with 400 and the reason (§2.9); core's table. */
const failure = (reply: FastifyReply, err: unknown) => sendAnswer(reply, errorAnswer('vapix-text', err));

async function upload(req: FastifyRequest, args: FormArgs, h: AudioHttp): Promise<string> {
  if (req.method !== 'POST') throw bad('upload needs a POST with multipart/form-data');
  if (args.get('media') !== undefined && args.get('media') !== 'audio') throw bad('media must be audio', 'media');
  const parts = parseMultipart((req.body as Buffer | undefined) ?? Buffer.alloc(0), req.headers['content-type']);
  const file = parts.find((p) => p.filename !== undefined) ?? parts[0];
  if (!file) throw bad('no file in the upload');
  if (!file.data.length) throw bad('the file is empty');
  const filename = (file.filename ?? 'clip').replace(/^.*[\\/]/, '');
  const name = args.get('name') ?? (file.name && file.name !== 'file' ? file.name : filename.replace(/\.[^.]*$/, ''));
  const r = await h.upload(name, filename, file.data);
  return r.replaced ? `Replaced=${r.clip}` : `Uploaded=${r.clip}`;
}

/** An upload over `MediaClip.MaxUploadSize` (plus multipart slack) is refused by its announced size, before its body is read. */
export function uploadTooLarge(h: AudioHttp, slack: number, format: 'vapix-text' | 'json-api') {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return undefined;
    const max = await h.maxUploadBytes();
    if (Number(req.headers['content-length'] ?? 0) <= max + slack) return undefined;
    reply.header('Connection', 'close');
    return sendAnswer(reply, errorAnswer(format, new BelfryError('too_large', `the file is larger than the upload limit (${(max / 1e6).toFixed(1)} MB)`)));
  };
}

/** mediaclip.cgi (operator): play, stop, upload, remove, update, download. */
export function mediaclip(h: AudioHttp) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const args = formArgs(req);
    try {
      switch (args.get('action')) {
        case 'play': {
          checkDeviceIds(args, 'audiodeviceid', 'audiooutputid');
          const r = await h.audiod.play(playArgs(args));
          return okText(reply, `playing=${r.clip}`);
        }
        case 'stop':
          await h.audiod.stop({});
          return okText(reply, 'stopping');
        case 'remove': {
          const clip = intArg(args, 'clip', 0, 9999);
          if (clip === undefined) throw bad('clip is required', 'clip');
          await h.audiod.removeClip({ clip });
          return okText(reply, `removed=${clip}`);
        }
        case 'update': {
          const clip = intArg(args, 'clip', 0, 9999);
          const name = args.get('name');
          if (clip === undefined) throw bad('clip is required', 'clip');
          if (name === undefined) throw bad('name is required', 'name');
          await h.audiod.renameClip({ clip, name });
          return okText(reply, `updated=${clip}`);
        }
        case 'download': {
          const clip = intArg(args, 'clip', 0, 9999);
          if (clip === undefined) throw bad('clip is required', 'clip');
          return sendDownload(reply, await h.download(clip));
        }
        case 'upload':
          return okText(reply, await upload(req, args, h));
        case undefined:
          throw bad('action is required', 'action');
        default:
          throw bad(`unknown action '${args.get('action')}'`, 'action');
      }
    } catch (err) {
      return failure(reply, err);
    }
  };
}

export function playclip(h: AudioHttp) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const args = formArgs(req);
      checkDeviceIds(args, 'audiodeviceid', 'audiooutputid');
      const r = await h.audiod.play(playArgs(args));
      return okText(reply, `playing=${r.clip}`);
    } catch (err) {
      return failure(reply, err);
    }
  };
}

export function stopclip(h: AudioHttp) {
  return async (_req: FastifyRequest, reply: FastifyReply) => {
    try {
      await h.audiod.stop({});
      return okText(reply, 'stopping');
    } catch (err) {
      return failure(reply, err);
    }
  };
}
