import type { RouteHandlers } from '@belfry/core/http';
import type { AudioHttp } from './args.js';
import { apiHandlers } from './api.js';
import { mediaclip, playclip, stopclip } from './clip-cgi.js';
import { streamUpload } from './upload.js';
import { deviceControl } from './device-control-cgi.js';
import { receiveRoute, transmit } from './live.js';
import { axast } from './speaker-test-cgi.js';

export type { AudioHttp } from './args.js';
export type { LiveDeps } from './live.js';

/** Every handler of `AUDIOD_ROUTES`, by path. */
export function audioHandlers(h: AudioHttp): RouteHandlers {
  const api = apiHandlers(h);
  return {
    // uploads stream to a file before core would read their body (see upload.ts); other
    // requests fall through to the handler with their (small) body read
    '/axis-cgi/mediaclip.cgi': { precheck: streamUpload(h, 'multipart'), handler: mediaclip(h) },
    '/axis-cgi/playclip.cgi': playclip(h),
    '/axis-cgi/stopclip.cgi': stopclip(h),
    '/axis-cgi/audio/transmit.cgi': (req, reply) => transmit(req, reply, h),
    '/axis-cgi/audio/receive.cgi': receiveRoute(h),
    '/axis-cgi/audiodevicecontrol.cgi': deviceControl(h),
    '/vapix/axast': axast(h),
    ...api,
    '/api/v1/clips': { precheck: streamUpload(h, 'raw'), handler: api['/api/v1/clips'] },
  };
}
