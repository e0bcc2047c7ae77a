import { DurableFile, type AuditLog } from '@belfry/core';
import { defaultClient, type ClientConfig } from './config.js';
import { DEFAULT_PUBLICATION, type PublicationConfig } from './publication.js';
import type { Subscription } from './subscriptions.js';

/** Everything mqttd is configured with (the password and client key only here, file mode 0600). */
export interface MqttState {
  /** `activateClient` / `deactivateClient` */
  active: boolean;
  client: ClientConfig;
  publication: PublicationConfig;
  subscriptions: Subscription[];
}

export function defaultState(serial: string): MqttState {
  return { active: false, client: defaultClient(serial), publication: DEFAULT_PUBLICATION, subscriptions: [] };
}

/** The configuration in a DurableFile: a write that `save` returned from survives a crash. */
export class MqttStore {
  private readonly file: DurableFile<MqttState>;
  state: MqttState;

  constructor(
    dir: string,
    private readonly serial: string,
    private readonly audit: AuditLog,
  ) {
    this.file = new DurableFile<MqttState>(dir, 'config', 'belfry-mqttd-1', (b) => (b && typeof b === 'object' && 'client' in b ? undefined : 'not an mqttd configuration'));
    this.state = defaultState(serial);
  }

  load(): void {
    const l = this.file.load();
    if (l.fallback !== 'none') this.audit.write('mqtt_config_fallback', { fallback: l.fallback, problems: l.problems }, 'warn');
    const d = defaultState(this.serial);
    // new fields of a later firmware get their defaults
    if (l.value) this.state = { ...d, ...l.value, client: { ...d.client, ...l.value.client, ssl: { ...d.client.ssl, ...l.value.client.ssl } }, publication: { ...d.publication, ...l.value.publication } };
  }

  update(fn: (s: MqttState) => MqttState): MqttState {
    const next = fn(this.state);
    this.file.save(next);
    this.state = next;
    return next;
  }
}
