import type { DaemonModule } from '@belfry/core';

/** Every daemon this build has, loaded on demand (one chunk each in the bundle). */
export const DAEMON_MODULES: Record<string, () => Promise<DaemonModule>> = {
  paramd: async () => (await import('@belfry/paramd')).daemon,
  boardd: async () => (await import('@belfry/boardd')).daemon,
  httpd: async () => (await import('@belfry/httpd')).daemon,
  audiod: async () => (await import('@belfry/audiod')).daemon,
  eventd: async () => (await import('@belfry/eventd')).daemon,
  sipd: async () => (await import('@belfry/sipd')).daemon,
  onvifd: async () => (await import('@belfry/onvifd')).daemon,
  discoveryd: async () => (await import('@belfry/discoveryd')).daemon,
  mqttd: async () => (await import('@belfry/mqttd')).daemon,
  certd: async () => (await import('@belfry/certd')).daemon,
  firewalld: async () => (await import('@belfry/firewalld')).daemon,
};
