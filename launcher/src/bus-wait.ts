import { createConnection } from 'node:net';

/**
 * Resolves once the bus socket accepts a connection, or after `ms` (the daemons' own connect then
 * retries and reports). The launcher starts the hosts while mosquitto is still starting, so that
 * loading their code (a few hundred ms of CPU each) overlaps the broker's start; a host waits here
 * instead of failing its first connect and retrying 250 ms later with a warning.
 */
export async function busListening(path: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await accepts(path))) await new Promise((r) => setTimeout(r, 10));
}

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
