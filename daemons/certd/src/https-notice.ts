import type { DaemonContext } from '@belfry/core';
import { HTTPS_NOTIFY } from './contract/index.js';

/**
 * The retained notice httpd follows (`belfry/notify/certd/https`): it asks `tlsMaterial` again when
 * `version` changes. A SOAP change of the web server holds it until its answer is sent (§9.4: reply
 * first, then reload); what was announced meanwhile goes out once, at the last release.
 */
export function httpsNotice(ctx: DaemonContext, alias: () => string) {
  let version = 0;
  let holds = 0;
  let pending = false;
  const announce = () => {
    if (holds) pending = true;
    else ctx.announce(HTTPS_NOTIFY, { alias: alias(), version: ++version });
  };
  return {
    announce,
    version: () => version,
    /** holds the notice; the returned release (idempotent) lets it go */
    hold(): () => void {
      holds++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        if (--holds === 0 && pending) {
          pending = false;
          announce();
        }
      };
    },
  };
}
