import type { DaemonContext } from '@belfry/core';

export const RTSP_PORT_PARAM = 'Network.RTSP.Port';

/**
 * The RTSP port: `Network.RTSP.Port`, except that `RTSP_PORT` in the environment wins for this run
 * while the stored port is the one read at start (as `HTTP_PORT` does for httpd): once the stored port
 * is changed during the run, the change applies.
 */
export class RtspPort {
  private atStart?: string;

  constructor(private readonly env: string | undefined = process.env.RTSP_PORT) {}

  async read(ctx: DaemonContext): Promise<number> {
    const stored = (await ctx.params.get(RTSP_PORT_PARAM)) ?? '554';
    this.atStart ??= stored;
    const env = this.env && /^\d+$/.test(this.env) && stored === this.atStart ? this.env : stored;
    return Number(env);
  }
}

/** Where the RTSP listener binds: the front door's address (loopback on the simulated board). */
export function rtspHost(ctx: DaemonContext): string {
  return process.env.BELFRY_HTTP_ADDRESS ?? (ctx.board.id === 'sim' ? '127.0.0.1' : '::');
}
