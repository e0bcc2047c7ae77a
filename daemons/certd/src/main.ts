import type { DaemonModule } from '@belfry/core';
import { startSoap } from './soap/index.js';
import { openStore } from './store/open.js';

export type { CertdContract } from './contract/index.js';

/** certd: the keystore, the certificate and CA stores, the REST certificate API, httpd's TLS material (see README). */
export const daemon: DaemonModule = {
  name: 'certd',
  async start(ctx) {
    const store = await openStore(ctx);
    const soap = startSoap(ctx, store);
    return {
      async stop() {
        soap.stop();
      },
    };
  },
};
