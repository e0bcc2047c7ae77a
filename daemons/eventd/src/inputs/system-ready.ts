import { REQUIRED_SERVICES, watchSystemReady, type DaemonContext } from '@belfry/core';
import { SYSTEM_READY } from './events.js';

/**
 * The stateful SystemReady event: Initialized `false` at start, `true` once every required service
 * of the service list (eventd included: its own `ready` comes after its start) is up, `false` again
 * if one goes down. The same rule as the launcher's systemready and httpd's systemready.cgi.
 */
export async function publishSystemReady(ctx: DaemonContext): Promise<() => Promise<void>> {
  ctx.events.setState(SYSTEM_READY, {}, { ready: false });
  return watchSystemReady(ctx.bus, REQUIRED_SERVICES(), (ready) => ctx.events.setState(SYSTEM_READY, {}, { ready }));
}
