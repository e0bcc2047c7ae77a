import { join } from 'node:path';
import { PARAMD, subscribeEvents, type ActionDecl, type DaemonModule, type EventDecl } from '@belfry/core';
import { mqttHandlers } from './cgi.js';
import { MQTT_CONNECTION, MQTTD, MQTTD_ROUTES } from './contract.js';
import { checkTopic } from './config.js';
import { PersistentQueue } from './queue.js';
import { MqttService } from './service.js';
import { defaultState, MqttStore } from './store.js';
import { SUB_STATEFUL, SUB_STATELESS } from './subscriptions.js';

export type { MqttdContract } from './contract.js';

export const MQTT_EVENTS: EventDecl[] = [
  { topic: MQTT_CONNECTION, niceName: 'MQTT client connection', stateful: true, source: [], data: [{ name: 'Connected', type: 'xsd:boolean' }] },
  { topic: SUB_STATELESS, niceName: 'MQTT message (stateless subscription)', stateful: false, source: [{ name: 'Topic', type: 'xsd:string' }], data: [{ name: 'Payload', type: 'xsd:string' }] },
  { topic: SUB_STATEFUL, niceName: 'MQTT message (stateful subscription)', stateful: true, source: [{ name: 'Topic', type: 'xsd:string' }], data: [{ name: 'Payload', type: 'xsd:string' }] },
];

export const MQTT_ACTIONS: ActionDecl[] = [
  {
    id: 'com.belfry.action.fixed.mqtt.publish',
    niceName: 'Send MQTT publish message',
    service: 'mqttd',
    method: 'publish',
    params: [
      { name: 'topic', type: 'string', niceName: 'Topic' },
      { name: 'payload', type: 'string', niceName: 'Payload', optional: true },
      { name: 'qos', type: 'int', min: 0, max: 2, optional: true },
      { name: 'retain', type: 'bool', optional: true },
      { name: 'useDeviceTopicPrefix', type: 'bool', niceName: 'Put the device topic prefix first', optional: true },
    ],
  },
];

const QUEUE_PARAM = 'MQTT.Publication.QueueSize';
const STATUS_PARAM = 'MQTT.Client.Status';

/** mqttd: the device's MQTT client to an external broker (see README). */
export const daemon: DaemonModule = {
  name: 'mqttd',
  async start(ctx) {
    const serial = ctx.board.identity.serialNumber;
    const store = new MqttStore(ctx.stateDir, serial, ctx.audit);
    store.load();
    if (store.state.active && !store.state.client.activateOnReboot) store.update((s) => ({ ...s, active: false }));
    let queueSize = (await ctx.params.getInt(QUEUE_PARAM)) ?? 1000;
    const offParams = ctx.params.onChange(QUEUE_PARAM, (c) => {
      const v = Number(c[QUEUE_PARAM]);
      queueSize = Number.isInteger(v) ? v : 1000;
    });
    const queue = new PersistentQueue(join(ctx.stateDir, 'queue.log'), () => queueSize);
    queue.load();
    ctx.events.declare(MQTT_EVENTS);
    ctx.events.declareActions(MQTT_ACTIONS);
    ctx.events.setState(MQTT_CONNECTION, {}, { Connected: false });

    const svc = new MqttService(ctx, store, queue);
    const paramd = ctx.rpc.client(PARAMD);
    let shown = '';
    const showStatus = () => {
      const v = !store.state.active ? 'inactive' : svc.connected ? 'connected' : 'disconnected';
      if (v === shown) return;
      shown = v;
      paramd.update({ changes: { [STATUS_PARAM]: v }, level: 'internal' }).catch((err: Error) => ctx.log.warn({ err: err.message }, 'status param not written'));
    };
    const offState = await subscribeEvents(ctx.bus, MQTT_CONNECTION, showStatus, 'mqttd');
    const { status, routes } = mqttHandlers(store, svc, showStatus);
    await ctx.serve(MQTTD, {
      publish: async (p) => {
        const prefix = store.state.client.deviceTopicPrefix;
        const topic = checkTopic(p.useDeviceTopicPrefix && prefix ? `${prefix}/${p.topic}` : p.topic, 'topic');
        return { queued: await svc.send({ topic, payload: p.payload ?? '', qos: (p.qos ?? 0) as 0 | 1 | 2, retain: p.retain ?? false }) };
      },
      status: () => status() as never,
    });
    await ctx.serveHttp(MQTTD_ROUTES, routes);
    // restore and factory default take the client's configuration with them (and what it queued)
    const offReset = await ctx.bus.subscribe('belfry/notify/paramd/reset', () => {
      store.update(() => defaultState(serial));
      queue.clear();
      void svc.reconfigure().then(showStatus);
    });
    await svc.reconfigure();
    showStatus();
    return {
      async stop() {
        offParams();
        await Promise.all([offState(), offReset()]);
        await svc.stop();
      },
    };
  },
};
