import type { Logger } from '@belfry/core';
import type { RtspServer } from './server.js';

/**
 * The RTSP listener across port changes. A port it cannot bind (554 without root, taken) is a warning
 * (one line saying what to do), not a failed eventd: rules, schedules and the other streams keep working, and a
 * new `Network.RTSP.Port` is tried at once.
 */
export class RtspHost {
  private current?: RtspServer;
  private port?: number;

  constructor(
    private readonly make: () => RtspServer,
    private readonly log: Logger,
  ) {}

  get server(): RtspServer | undefined {
    return this.current;
  }

  async listen(port: number, host: string): Promise<void> {
    if (port === this.port && this.current) return;
    await this.close();
    const s = this.make();
    try {
      const got = await s.listen(port, host);
      this.current = s;
      this.port = port;
      this.log.info({ port: got }, 'rtsp: listening');
    } catch (err) {
      await s.close();
      const code = (err as NodeJS.ErrnoException).code;
      // one line that says what to do (a newcomer's first start as non-root meets it beside httpd's)
      this.log.warn({ port, code }, code === 'EACCES' ? `rtsp: cannot listen on port ${port}: permission denied (ports below 1024 need root); run as root, or choose a port for this run with RTSP_PORT=8554` : 'rtsp: cannot listen');
    }
  }

  async close(): Promise<void> {
    const s = this.current;
    this.current = undefined;
    this.port = undefined;
    await s?.close();
  }
}
