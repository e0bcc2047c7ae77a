// mqttd's AJR CGIs (mqtt/client.cgi, mqtt/event.cgi) as the MQTT page uses them; shapes from mqttd's config.
import { ApiError, request } from '../api/http.js';

export type Protocol = 'tcp' | 'ssl' | 'ws' | 'wss';
export interface ClientView {
  server: { host: string; protocol: Protocol; port: number; basepath: string; alpnProtocol: string };
  clientId: string;
  keepAliveInterval: number;
  connectTimeout: number;
  cleanSession: boolean;
  autoReconnect: boolean;
  activateOnReboot: boolean;
  mqttVersion: '3.1.1' | '5';
  username: string;
  hasPassword: boolean;
  httpProxy: string;
  httpsProxy: string;
  deviceTopicPrefix: string;
  ssl: { validateServerCert: boolean };
}
export interface ClientStatus {
  status: { state: 'active' | 'inactive'; connectionStatus: 'connected' | 'disconnected'; lastError: string; queued: number; overflowed: number; published: number };
  config: ClientView;
}
export interface EventFilter {
  topicFilter: string;
  qos: 0 | 1 | 2;
  retain: 'none' | 'property' | 'all';
}
export interface Publication {
  topicPrefix: 'default' | 'custom';
  customTopicPrefix: string;
  appendEventTopic: boolean;
  includeTopicNamespaces: boolean;
  includeSerialNumberInPayload: boolean;
  eventFilterList: EventFilter[];
}
export interface Subscription {
  topicFilter: string;
  useDeviceTopicPrefix: boolean;
  type: 'stateless' | 'stateful';
  qos: 0 | 1 | 2;
}

async function ajr<D>(cgi: 'client' | 'event', method: string, params?: unknown): Promise<D> {
  const r = await request<{ data?: D; error?: { code: number; message: string } }>('POST', `/axis-cgi/mqtt/${cgi}.cgi`, { json: { apiVersion: '1.0', context: 'web-ui', method, ...(params ? { params } : {}) } });
  if (r.error) throw new ApiError(400, r.error.message, String(r.error.code));
  return r.data as D;
}

export const mqttApi = {
  status: () => ajr<ClientStatus>('client', 'getClientStatus'),
  configure: (config: Record<string, unknown>) => ajr<object>('client', 'configureClient', config),
  activate: () => ajr<object>('client', 'activateClient'),
  deactivate: () => ajr<object>('client', 'deactivateClient'),
  publication: () => ajr<{ eventPublicationConfig: Publication }>('event', 'getEventPublicationConfig').then((d) => d.eventPublicationConfig),
  setPublication: (p: Publication) => ajr<object>('event', 'configureEventPublication', p),
  subscriptions: () => ajr<{ subscriptions: Subscription[] }>('event', 'getSubscriptionConfig').then((d) => d.subscriptions),
  setSubscriptions: (subscriptions: Subscription[]) => ajr<object>('event', 'configureSubscriptions', { subscriptions }),
};
