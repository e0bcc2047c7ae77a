import type { RouteSpec } from '@belfry/core/contract';

/** The WebSocket event stream and its session tokens (the RTSP stream has its own port). */
export const STREAMS_ROUTES: readonly RouteSpec[] = [
  { path: '/axis-cgi/wssession.cgi', methods: ['GET'], access: 'viewer', errors: 'vapix-text', summary: 'a token for one WebSocket upgrade within 15 s', probe: { method: 'GET', url: '/axis-cgi/wssession.cgi', needs: 'viewer' } },
  {
    path: '/vapix/ws-data-stream',
    methods: ['GET'],
    access: 'viewer',
    errors: 'vapix-text',
    websocket: true,
    summary: 'the WebSocket event stream (`?sources=events`, `wssession=<token>` or credentials on the upgrade)',
    probe: { method: 'GET', url: '/vapix/ws-data-stream?sources=events', needs: 'viewer' },
  },
];
