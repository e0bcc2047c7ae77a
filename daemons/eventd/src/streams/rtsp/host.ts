import type { AuditLog, Logger } from '@belfry/core';
import type { RtspServer } from './server.js';

/**
 * The RTSP listener across port changes. A port it cannot bind (554 without root, taken) is a warning
 * and an audit line, not a failed eventd: rules, schedules and the other streams keep working, and a
 * new `Network.RTSP.Port` is tried at once.
 */
export class RtspHost {
  private current?: RtspServer;
  private port?: number;

  constructor(
    private readonly make: () => RtspServer,
    private readonly log: Logger,
    private readonly audit: AuditLog,
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
      this.log.warn({ port, code }, code === 'EACCES' ? 'rtsp: cannot listen (ports below 1024 need root; set RTSP_PORT)' : 'rtsp: cannot listen');
      this.audit.write('rtsp.listen_failed', { port, code }, 'warn');
    }
  }

  async close(): Promise<void> {
    const s = this.current;
    this.current = undefined;
    this.port = undefined;
    await s?.close();
  }
}
