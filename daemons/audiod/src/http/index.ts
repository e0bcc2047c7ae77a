import type { RouteHandlers } from '@belfry/core/http';
import type { AudioHttp } from './args.js';
import { apiHandlers } from './api.js';
import { MULTIPART_SLACK, mediaclip, playclip, stopclip, uploadTooLarge } from './clip-cgi.js';
import { deviceControl } from './device-control-cgi.js';
import { receiveRoute, transmit } from './live.js';
import { axast } from './speaker-test-cgi.js';

export type { AudioHttp } from './args.js';
export type { LiveDeps } from './live.js';

/** Every handler of `AUDIOD_ROUTES`, by path. */
export function audioHandlers(h: AudioHttp): RouteHandlers {
  const api = apiHandlers(h);
  return {
    // uploads over the limit are refused by their announced size, before audiod reads them
    // and a chunked one is read no further than the limit
    '/axis-cgi/mediaclip.cgi': { precheck: uploadTooLarge(h, MULTIPART_SLACK, 'vapix-text'), bodyLimit: async () => (await h.maxUploadBytes()) + MULTIPART_SLACK, handler: mediaclip(h) },
    '/axis-cgi/playclip.cgi': playclip(h),
    '/axis-cgi/stopclip.cgi': stopclip(h),
    '/axis-cgi/audio/transmit.cgi': (req, reply) => transmit(req, reply, h),
    '/axis-cgi/audio/receive.cgi': receiveRoute(h),
    '/axis-cgi/audiodevicecontrol.cgi': deviceControl(h),
    '/vapix/axast': axast(h),
    ...api,
    '/api/v1/clips': { precheck: uploadTooLarge(h, 0, 'json-api'), bodyLimit: () => h.maxUploadBytes(), handler: api['/api/v1/clips'] },
  };
}
