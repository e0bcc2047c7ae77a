import { Type } from 'typebox';
import { defineContract, type MethodsOf, type RouteSpec } from '@belfry/core/contract';

const json = 'application/json';
const ajrProbe = (path: string, method: string) => ({ method: 'POST', url: path, needs: 'admin' as const, body: `{"apiVersion":"1.0","context":"Axis library","method":"${method}"}`, contentType: json });

/** mqttd's HTTP routes (§2.12), served on its own socket behind httpd. Both are admin-only AJR CGIs. */
export const MQTTD_ROUTES: readonly RouteSpec[] = [
  { path: '/axis-cgi/mqtt/client.cgi', methods: ['GET', 'POST'], access: 'admin', errors: 'ajr', summary: 'MQTT client: configureClient, activateClient, deactivateClient, getClientStatus', api: { id: 'mqtt-client', version: '1.0', name: 'MQTT Client API' }, probe: ajrProbe('/axis-cgi/mqtt/client.cgi', 'getClientStatus') },
  { path: '/axis-cgi/mqtt/event.cgi', methods: ['GET', 'POST'], access: 'admin', errors: 'ajr', summary: 'MQTT event publication and subscriptions', api: { id: 'mqtt-event', version: '1.0', name: 'MQTT Event Publication API' }, probe: ajrProbe('/axis-cgi/mqtt/event.cgi', 'getEventPublicationConfig') },
];

/** The "MQTT publish" rule action's params (and the RPC method's). */
export const PublishParams = Type.Object(
  {
    topic: Type.String({ minLength: 1, maxLength: 1024 }),
    payload: Type.Optional(Type.String({ maxLength: 65536 })),
    qos: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
    retain: Type.Optional(Type.Boolean()),
    /** the topic is put after the device topic prefix */
    useDeviceTopicPrefix: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const MqttStatus = Type.Object({
  state: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  connectionStatus: Type.Union([Type.Literal('connected'), Type.Literal('disconnected')]),
  /** why the last attempt failed (never a credential) */
  lastError: Type.String(),
  /** QoS 1/2 publications waiting for the broker (persisted) */
  queued: Type.Integer(),
  /** publications that did not fit in the queue since mqttd started */
  overflowed: Type.Integer(),
  /** publications sent since mqttd started */
  published: Type.Integer(),
  /** subscription messages not turned into events (not UTF-8, or over 4096 characters) since mqttd started */
  ignored: Type.Integer(),
  /** connections closed because the broker sent a packet over 65,536 bytes, since mqttd started */
  oversized: Type.Integer(),
});

/** mqttd's contract: the rule action `publish`, its status, its routes. */
export const MQTTD = defineContract({
  name: 'mqttd',
  methods: {
    publish: { params: PublishParams, result: Type.Object({ queued: Type.Boolean() }), callers: 'daemons', summary: 'publishes to the external broker (queued while it is unreachable, QoS 1/2)' },
    status: { params: Type.Object({}, { additionalProperties: false }), result: MqttStatus, callers: 'daemons' },
  },
  routes: MQTTD_ROUTES,
});

export type MqttdContract = MethodsOf<typeof MQTTD>;

/** The event of the connection state (stateful: a rule can hold while connected). */
export const MQTT_CONNECTION = 'tnsaxis:MQTT/ClientStatus';
