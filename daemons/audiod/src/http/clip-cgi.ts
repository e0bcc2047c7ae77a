import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorAnswer, sendAnswer } from '@belfry/core/http';
import { bad, checkDeviceIds, formArgs, intArg, playArgs, type AudioHttp } from './args.js';
import { sendDownload } from './download.js';

function okText(reply: FastifyReply, line: string): FastifyReply {
  return reply.code(200).type('text/plain').send(`OK\n${line}\n`);
}

/** VAPIX text CGIs answer a client's mistake with 400 and the reason (§2.9); core's table. */
const failure = (reply: FastifyReply, err: unknown) => sendAnswer(reply, errorAnswer('vapix-text', err));

/** mediaclip.cgi (operator): play, stop, remove, update, download (upload: `upload.ts`). */
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
          // a POST upload is taken by `streamUpload` before its body is read
          throw bad('upload needs a POST with multipart/form-data');
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
